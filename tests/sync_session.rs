//! The sync state machine through every path of the failure policy, with
//! canned responses and a fake clock: no I/O and no real sleeps.

use stripe_torii_sync::sync::{Action, Method, Request, Response, Step, SyncConfig, SyncSession};
use stripe_torii_sync::{Error, ErrorKind};

const KEY: &str = "tk_live_Secret-Key-42";
const BASE: &str = "https://api.toriihq.com/v1.0";
const UPLOAD_URL: &str = "https://uploads.s3.amazonaws.com/abc?X-Amz-Signature=s";
const FILE: &str = r#"{"users":[{"email":"ada@example.com","status":"active"},{"email":"bob@example.com","status":"active"}]}"#;

/// The test configuration; `extra` (JSON members after a comma) overrides it.
fn config(extra: &str) -> SyncConfig {
    let mut json = serde_json::json!({ "apiKey": KEY, "appAccountId": "777" });
    let overrides: serde_json::Value =
        serde_json::from_str(&format!("{{{}}}", extra.trim_start_matches(','))).unwrap();
    for (name, value) in overrides.as_object().unwrap() {
        json[name] = value.clone();
    }
    serde_json::from_value(json).unwrap()
}

fn ok_upload_url() -> Response {
    Response::status(
        200,
        format!(
            r#"{{"uploadFileParameters":{{"url":"{UPLOAD_URL}","filePath":"org/1/stripe.json"}}}}"#
        ),
    )
}

/// The happy answer to each step.
fn happy(request: &Request) -> Response {
    match request.step {
        Step::UploadUrl => ok_upload_url(),
        Step::Upload => Response::status(200, ""),
        Step::Register | Step::DirectUpload => Response::status(200, r#"{"id":9001}"#),
        Step::Sync => Response::status(200, r#"{"success":true}"#),
    }
}

/// What a run did: the requests sent, the waits asked for, and how it ended.
struct Run {
    requests: Vec<Request>,
    waits: Vec<u64>,
    end: Action,
    now: f64,
}

impl Run {
    fn steps(&self) -> Vec<&'static str> {
        self.requests.iter().map(|r| r.step.name()).collect()
    }

    fn error(&self) -> &Error {
        match &self.end {
            Action::Failed(error) => error,
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    fn outcome(&self) -> &stripe_torii_sync::sync::Outcome {
        match &self.end {
            Action::Done(outcome) => outcome,
            other => panic!("expected success, got {other:?}"),
        }
    }
}

/// Drives a session to its end. `answer` gets each request and how many
/// requests of that step came before; every request takes 10 fake ms.
fn drive(config: &SyncConfig, mut answer: impl FnMut(&Request, usize) -> Response) -> Run {
    let mut session = SyncSession::new(config, FILE, 42).unwrap();
    let mut run = Run {
        requests: Vec::new(),
        waits: Vec::new(),
        end: Action::Wait {
            ms: 0,
            reason: String::new(),
        },
        now: 1_000_000.0,
    };
    for _ in 0..100 {
        match session.poll(run.now) {
            Action::Send(request) => {
                let earlier = run
                    .requests
                    .iter()
                    .filter(|r| r.step == request.step)
                    .count();
                let response = answer(&request, earlier);
                run.now += 10.0;
                run.requests.push(request);
                session.handle_response(run.now, response).unwrap();
            }
            Action::Wait { ms, .. } => {
                run.waits.push(ms);
                run.now += ms as f64;
            }
            end => {
                assert_eq!(session.poll(run.now), end, "the end repeats");
                run.end = end;
                return run;
            }
        }
    }
    panic!("the session did not end");
}

/// Fails `step` with `response` for its first `times` requests.
fn failing(
    step: Step,
    times: usize,
    response: Response,
) -> impl FnMut(&Request, usize) -> Response {
    move |request, earlier| {
        if request.step == step && earlier < times {
            response.clone()
        } else {
            happy(request)
        }
    }
}

fn assert_no_key(run: &Run) {
    if let Action::Failed(error) = &run.end {
        assert!(!error.message().contains(KEY));
        assert!(!format!("{error:?}").contains(KEY));
    }
    if let Action::Done(outcome) = &run.end {
        assert!(!serde_json::to_string(outcome).unwrap().contains(KEY));
    }
    for request in &run.requests {
        assert!(!request.url.contains(KEY));
        assert!(!format!("{request:?}").contains(KEY));
    }
}

#[test]
fn happy_path_sends_the_four_documented_requests() {
    let run = drive(&config(""), |r, _| happy(r));
    assert_eq!(run.steps(), ["upload_url", "upload", "register", "sync"]);
    let [url, upload, register, sync] = &run.requests[..] else {
        unreachable!()
    };

    assert_eq!(url.method, Method::Get);
    assert_eq!(
        url.url,
        format!("{BASE}/files/url?name=stripe-users.json&type=customIntegrationData")
    );
    assert_eq!(
        url.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(url.body, None);

    assert_eq!(upload.method, Method::Put);
    assert_eq!(upload.url, UPLOAD_URL);
    assert_eq!(
        upload.header("authorization"),
        None,
        "the key must not go to storage"
    );
    assert_eq!(upload.header("content-type"), Some("customIntegrationData"));
    assert_eq!(upload.body.as_deref(), Some(FILE));

    assert_eq!(
        (register.method, register.url.as_str()),
        (Method::Post, "https://api.toriihq.com/v1.0/files")
    );
    let body: serde_json::Value = serde_json::from_str(register.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"path": "org/1/stripe.json", "type": "customIntegrationData"})
    );

    assert_eq!(sync.method, Method::Put);
    assert_eq!(sync.url, format!("{BASE}/services/sync/custom"));
    let body: serde_json::Value = serde_json::from_str(sync.body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"idFile": 9001, "idAppAccount": 777})
    );

    let outcome = run.outcome();
    assert_eq!(outcome.file_id.to_string(), "9001");
    assert_eq!(
        (outcome.user_count, outcome.requests, outcome.retries),
        (2, 4, 0)
    );
    assert_eq!(outcome.steps.len(), 4);
    assert!(outcome.steps.iter().all(|s| s.attempts == 1 && s.ms == 10));
    assert_eq!(outcome.total_ms, 40);
    let json = serde_json::to_value(outcome).unwrap();
    assert_eq!(json["fileId"], 9001);
    assert_eq!(json["steps"][0]["step"], "upload_url");
    assert_no_key(&run);
}

#[test]
fn optional_settings_shape_the_requests() {
    let run = drive(
        &config(
            r#","baseUrl":"https://torii.internal/api/","fileName":"team export.json","apiVersion":"1.1""#,
        ),
        |r, _| happy(r),
    );
    assert_eq!(
        run.requests[0].url,
        "https://torii.internal/api/files/url?name=team%20export.json&type=customIntegrationData"
    );
    for request in &run.requests {
        let expected = if request.step == Step::Upload {
            None
        } else {
            Some("1.1")
        };
        assert_eq!(request.header("x-api-version"), expected);
    }
}

#[test]
fn alternative_response_shapes_are_accepted() {
    let run = drive(&config(r#","appAccountId":"acct-7""#), |r, _| {
        match r.step {
            Step::UploadUrl => {
                Response::status(200, format!(r#"{{"url":"{UPLOAD_URL}","filePath":"p"}}"#))
            }
            Step::Register => Response::status(201, r#"{"file":{"id":"f-1"}}"#),
            _ => happy(r),
        }
    });
    let body: serde_json::Value =
        serde_json::from_str(run.requests[3].body.as_deref().unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"idFile": "f-1", "idAppAccount": "acct-7"})
    );
    assert_eq!(run.outcome().file_id.to_string(), "f-1");
}

#[test]
fn direct_mode_sends_one_multipart_upload() {
    let run = drive(&config(r#","mode":"direct""#), |r, _| happy(r));
    assert_eq!(run.steps(), ["direct_upload", "sync"]);
    let upload = &run.requests[0];
    assert_eq!(upload.url, format!("{BASE}/files/upload"));
    let content_type = upload.header("content-type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap();
    let body = upload.body.as_deref().unwrap();
    assert!(body.contains("name=\"type\"\r\n\r\ncustomIntegrationData\r\n"));
    assert!(body.contains(&format!("\r\n\r\n{FILE}\r\n--{boundary}--\r\n")));
    assert!(upload.header("authorization").is_some());
}

#[test]
fn direct_mode_refuses_files_over_three_megabytes() {
    let big = format!(
        r#"{{"users":[{{"email":"a@b.co","firstName":"{}"}}]}}"#,
        "x".repeat(3 * 1024 * 1024)
    );
    let err = SyncSession::new(&config(r#","mode":"direct""#), big, 1).unwrap_err();
    assert_eq!(err.code(), "invalid_config");
    assert!(err.message().contains("3 MB"));
}

#[test]
fn rate_limit_honours_retry_after_seconds() {
    let limited =
        Response::status(429, r#"{"message":"Too many requests"}"#).with_header("Retry-After", "3");
    let run = drive(&config(""), failing(Step::Register, 1, limited));
    assert_eq!(
        run.steps(),
        ["upload_url", "upload", "register", "register", "sync"]
    );
    assert_eq!(run.waits, [3000]);
    assert_eq!(run.outcome().retries, 1);
    let register = &run.outcome().steps[2];
    assert_eq!((register.attempts, register.ms), (2, 3020));
}

#[test]
fn rate_limit_honours_retry_after_as_an_http_date() {
    // The fake clock starts at 1 000 000 ms after the epoch, 16:40 on 1 Jan 1970.
    let limited =
        Response::status(429, "").with_header("retry-after", "Thu, 01 Jan 1970 00:16:45 GMT");
    let run = drive(&config(""), failing(Step::UploadUrl, 1, limited));
    assert_eq!(run.waits, [4990]);
    run.outcome();
}

#[test]
fn rate_limit_without_retry_after_waits_a_second() {
    let run = drive(
        &config(""),
        failing(Step::Sync, 2, Response::status(429, "")),
    );
    assert_eq!(run.waits, [1000, 1000]);
    run.outcome();
}

#[test]
fn server_errors_back_off_exponentially_with_jitter() {
    for status in [500, 502, 503, 504] {
        let run = drive(
            &config(""),
            failing(Step::UploadUrl, 3, Response::status(status, "")),
        );
        assert_eq!(
            run.steps(),
            ["upload_url"; 4]
                .iter()
                .chain(&["upload", "register", "sync"])
                .copied()
                .collect::<Vec<_>>()
        );
        assert_eq!(run.waits.len(), 3);
        for (i, wait) in run.waits.iter().enumerate() {
            let full = 500u64 << i;
            assert!((full / 2..=full).contains(wait), "wait {i} = {wait}");
        }
        assert_eq!(run.outcome().retries, 3);
    }
}

#[test]
fn the_same_seed_gives_the_same_waits() {
    let waits = || {
        drive(
            &config(""),
            failing(Step::Register, 4, Response::status(503, "")),
        )
        .waits
    };
    assert_eq!(waits(), waits());
}

#[test]
fn transport_errors_are_retried() {
    let run = drive(
        &config(""),
        failing(
            Step::Upload,
            2,
            Response::Transport("connection reset".into()),
        ),
    );
    assert_eq!(
        run.steps(),
        [
            "upload_url",
            "upload",
            "upload",
            "upload",
            "register",
            "sync"
        ]
    );
    run.outcome();
}

#[test]
fn five_attempts_at_most_then_retries_exhausted() {
    let run = drive(
        &config(r#","waitBudgetMs":1000000"#),
        failing(
            Step::UploadUrl,
            99,
            Response::status(503, r#"{"message":"Service Unavailable"}"#),
        ),
    );
    assert_eq!(run.steps(), ["upload_url"; 5]);
    let err = run.error();
    assert_eq!(err.code(), "retries_exhausted");
    assert_eq!(
        err.kind(),
        &ErrorKind::RetriesExhausted {
            step: "upload_url".into(),
            last_status: 503
        }
    );
    assert!(
        err.message()
            .contains("step 1/4 (upload URL) failed 5 times"),
        "{err}"
    );
    assert!(err.message().contains("Service Unavailable"));
}

#[test]
fn transport_errors_that_persist_end_the_run() {
    let run = drive(
        &config(""),
        failing(Step::Sync, 99, Response::Transport("timed out".into())),
    );
    let err = run.error();
    assert_eq!(
        err.kind(),
        &ErrorKind::Network {
            step: "sync".into()
        }
    );
    assert!(err
        .message()
        .contains("could not reach the server at step 4/4 (start sync)"));
    assert!(err.message().contains("timed out"));
}

#[test]
fn the_wait_budget_bounds_the_total_wait() {
    let slow = Response::status(429, "").with_header("Retry-After", "120");
    let run = drive(&config(""), failing(Step::UploadUrl, 1, slow));
    assert_eq!(run.steps(), ["upload_url"]);
    assert!(run.waits.is_empty(), "it must not wait past the budget");
    assert_eq!(run.error().code(), "wait_budget_exceeded");
    assert!(run.error().message().contains("60 s retry budget"));

    let run = drive(
        &config(r#","waitBudgetMs":200000"#),
        failing(
            Step::UploadUrl,
            1,
            Response::status(429, "").with_header("Retry-After", "120"),
        ),
    );
    assert_eq!(run.waits, [120_000]);
    run.outcome();
}

#[test]
fn a_sync_conflict_is_retried_then_reported() {
    let busy = Response::status(409, r#"{"message":"Sync already in progress"}"#);
    let run = drive(&config(""), failing(Step::Sync, 2, busy.clone()));
    assert_eq!(
        run.steps(),
        ["upload_url", "upload", "register", "sync", "sync", "sync"]
    );
    assert!(run.waits[0] >= 500 && run.waits[1] >= 1000);
    run.outcome();

    let run = drive(
        &config(r#","waitBudgetMs":600000"#),
        failing(Step::Sync, 99, busy),
    );
    assert_eq!(run.steps().iter().filter(|s| **s == "sync").count(), 5);
    assert_eq!(run.error().code(), "sync_conflict");
    assert!(run
        .error()
        .message()
        .contains("another sync is already running for this app account"));
}

#[test]
fn a_conflict_outside_the_sync_step_is_unexpected() {
    let run = drive(
        &config(""),
        failing(Step::Register, 1, Response::status(409, "")),
    );
    assert_eq!(run.error().code(), "unexpected_status");
}

#[test]
fn a_refused_upload_restarts_from_a_fresh_url_once() {
    let expired = Response::status(
        403,
        "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
    );
    let run = drive(&config(""), failing(Step::Upload, 1, expired.clone()));
    assert_eq!(
        run.steps(),
        [
            "upload_url",
            "upload",
            "upload_url",
            "upload",
            "register",
            "sync"
        ]
    );
    assert!(run.waits.is_empty());
    assert_eq!(run.outcome().retries, 1);

    let run = drive(
        &config(""),
        failing(Step::Upload, 1, Response::status(400, "")),
    );
    run.outcome();

    let run = drive(&config(""), failing(Step::Upload, 2, expired));
    assert_eq!(
        run.steps(),
        ["upload_url", "upload", "upload_url", "upload"]
    );
    assert_eq!(run.error().code(), "rejected");
    assert!(run.error().message().contains("Request has expired"));
}

#[test]
fn a_rejected_key_fails_at_once() {
    for status in [401, 403] {
        let body = format!(r#"{{"statusCode":{status},"message":"Invalid API key {KEY}"}}"#);
        let run = drive(
            &config(""),
            failing(Step::UploadUrl, 1, Response::status(status, body)),
        );
        assert_eq!(run.steps(), ["upload_url"]);
        assert_eq!(run.error().code(), "unauthorized");
        assert!(run
            .error()
            .message()
            .starts_with("Torii rejected the API key"));
        assert!(run.error().message().contains("[redacted]"));
        assert_no_key(&run);
    }
}

#[test]
fn a_rejected_file_surfaces_toriis_message() {
    for status in [400, 422] {
        let body = r#"{"statusCode":400,"error":"Bad Request","message":"users[0].status must be active or deleted"}"#;
        let run = drive(
            &config(""),
            failing(Step::Register, 1, Response::status(status, body)),
        );
        assert_eq!(run.error().kind(), &ErrorKind::Rejected { status });
        assert_eq!(
            run.error().message(),
            "Torii refused step 3/4 (register file): users[0].status must be active or deleted"
        );
    }
}

#[test]
fn an_unknown_app_account_hints_at_the_id() {
    let run = drive(
        &config(""),
        failing(
            Step::Sync,
            1,
            Response::status(404, r#"{"message":"App account not found"}"#),
        ),
    );
    assert_eq!(
        run.error().kind(),
        &ErrorKind::UnexpectedStatus {
            step: "sync".into(),
            status: 404
        }
    );
    assert!(run.error().message().contains("check the App Account ID"));
}

#[test]
fn malformed_responses_name_the_step_and_what_is_missing() {
    let cases = [
        (
            Step::UploadUrl,
            "",
            "step 1/4 (upload URL): the response body is empty",
        ),
        (
            Step::UploadUrl,
            r#"{"uploadFileParameters":{"filePath":"p"}}"#,
            "no uploadFileParameters.url",
        ),
        (
            Step::UploadUrl,
            r#"{"url":"http://evil.example/u","filePath":"p"}"#,
            "not an https URL",
        ),
        (
            Step::Register,
            r#"{"ok":true}"#,
            "step 3/4 (register file): the response has no id",
        ),
        (Step::Register, "<html>", "not JSON"),
    ];
    for (step, body, expected) in cases {
        let run = drive(&config(""), failing(step, 1, Response::status(200, body)));
        assert_eq!(
            run.error().kind(),
            &ErrorKind::MalformedResponse {
                step: step.name().into()
            }
        );
        assert!(run.error().message().contains(expected), "{}", run.error());
    }
}

#[test]
fn invalid_configurations_are_refused() {
    for (extra, field) in [
        (r#","apiKey":"""#, "apiKey"),
        (r#","appAccountId":" ""#, "appAccountId"),
        (r#","baseUrl":"http://api.toriihq.com/v1.0""#, "baseUrl"),
        (r#","waitBudgetMs":-1"#, "waitBudgetMs"),
    ] {
        let err = SyncSession::new(&config(extra), FILE, 1).unwrap_err();
        assert_eq!(
            err.kind(),
            &ErrorKind::InvalidConfig {
                field: field.into()
            },
            "{extra}"
        );
        assert!(!err.message().contains(KEY));
    }
    assert!(serde_json::from_str::<SyncConfig>(r#"{"apiKey":"k","appAccountID":"1"}"#).is_err());
}

#[test]
fn files_without_users_are_refused() {
    for file in [r#"{"users":[]}"#, r#"{"licenses":[]}"#, "not json"] {
        let err = SyncSession::new(&config(""), file, 1).unwrap_err();
        assert_eq!(err.code(), "invalid_option", "{file}");
    }
}

#[test]
fn the_guard_refuses_a_destructive_sync_unless_confirmed() {
    let err = SyncSession::new(&config(r#","previousUserCount":10"#), FILE, 1).unwrap_err();
    assert_eq!(
        err.kind(),
        &ErrorKind::DestructiveSync {
            previous_users: 10,
            new_users: 2
        }
    );
    assert!(err.message().starts_with("refused"));
    assert!(SyncSession::new(
        &config(r#","previousUserCount":10,"allowDrop":true"#),
        FILE,
        1
    )
    .is_ok());
    assert!(SyncSession::new(&config(r#","previousUserCount":2"#), FILE, 1).is_ok());
    assert!(SyncSession::new(
        &config(r#","previousUserCount":4,"maxDropPercent":50"#),
        FILE,
        1
    )
    .is_ok());
}

#[test]
fn waiting_is_reported_until_its_time_has_come() {
    let mut session = SyncSession::new(&config(""), FILE, 1).unwrap();
    assert!(matches!(session.poll(0.0), Action::Send(_)));
    let limited = Response::status(429, "").with_header("Retry-After", "2");
    session.handle_response(0.0, limited).unwrap();
    assert!(matches!(session.poll(500.0), Action::Wait { ms: 1500, .. }));
    assert!(matches!(session.poll(1999.5), Action::Wait { ms: 1, .. }));
    match session.poll(2000.0) {
        Action::Send(request) => assert_eq!(request.step, Step::UploadUrl),
        other => panic!("{other:?}"),
    }
    assert_eq!(session.attempt(), 2);
    assert_eq!(session.position(Step::UploadUrl), (1, 4));
}

#[test]
fn calls_out_of_order_are_protocol_errors() {
    let mut session = SyncSession::new(&config(""), FILE, 1).unwrap();
    let err = session
        .handle_response(0.0, Response::status(200, ""))
        .unwrap_err();
    assert_eq!(err.code(), "protocol");
    assert!(matches!(session.poll(0.0), Action::Send(_)));
    match session.poll(0.0) {
        Action::Failed(err) => assert_eq!(err.code(), "protocol"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_output_never_shows_the_key() {
    let mut session = SyncSession::new(&config(""), FILE, 1).unwrap();
    assert!(!format!("{session:?}").contains(KEY));
    let Action::Send(request) = session.poll(0.0) else {
        panic!()
    };
    assert!(!format!("{request:?}").contains(KEY));
    assert!(!format!("{:?}", config("")).contains(KEY));
}
