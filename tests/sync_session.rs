//! The sync state machine through every path of the failure policy, with
//! canned responses and a fake clock: no I/O and no real sleeps.

use stripe_torii_sync::changes::PreviousFile;
use stripe_torii_sync::options::catalog::Options;
use stripe_torii_sync::sync::{
    Action, ApiKey, Body, DropReason, HostRun, Method, Request, Response, Step, SyncConfig,
    SyncSession, FILE_ID_PLACEHOLDER, FILE_PATH_PLACEHOLDER, UPLOAD_URL_PLACEHOLDER,
};
use stripe_torii_sync::{transform, Error, ErrorKind, TransformOptions};

const KEY: &str = "tk_live_Secret-Key-42";
const BASE: &str = "https://api.toriihq.com/v1.0";
const UPLOAD_URL: &str = "https://uploads.s3.amazonaws.com/abc?X-Amz-Signature=s";
const FILE: &str = r#"{"users":[{"email":"ada@example.com","status":"active"},{"email":"bob@example.com","status":"active"}]}"#;

/// The test configuration; `extra` (JSON members after a comma) overrides
/// it. Option names go through the option table as a host's would;
/// `apiKey`, `allowDrop`, `baseline` and `previousFile` are the host's own.
fn config(extra: &str) -> SyncConfig {
    let json: serde_json::Value =
        serde_json::from_str(&format!(r#"{{"appAccountId":"777"{extra}}}"#)).unwrap();
    let mut config = SyncConfig {
        api_key: ApiKey::new(KEY),
        ..Default::default()
    };
    let mut options = serde_json::Map::new();
    for (name, value) in json.as_object().unwrap() {
        match name.as_str() {
            "apiKey" => config.api_key = ApiKey::new(value.as_str().unwrap()),
            "allowDrop" => config.allow_drop = value.as_bool().unwrap(),
            "baseline" => config.baseline = Some(value.to_string()),
            "previousFile" => {
                config.previous_file = Some(PreviousFile::Json(value.as_str().unwrap().to_string()))
            }
            _ => {
                options.insert(name.clone(), value.clone());
            }
        }
    }
    config.options = Options::from_json(&serde_json::Value::Object(options).to_string())
        .unwrap()
        .sync;
    config
}

fn session(config: &SyncConfig) -> SyncSession {
    SyncSession::from_json(config, FILE.as_bytes().to_vec(), 42).unwrap()
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
    texts: Vec<String>,
    timeouts: Vec<u64>,
    waits: Vec<u64>,
    end: Action,
    now: f64,
    started: f64,
    upload_body: Vec<u8>,
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

    fn json_body(&self, index: usize) -> serde_json::Value {
        match &self.requests[index].body {
            Some(Body::Json(text)) => serde_json::from_str(text).unwrap(),
            other => panic!("not a JSON body: {other:?}"),
        }
    }
}

/// Drives a session to its end. `answer` gets each request and how many
/// requests of that step came before; every request takes 10 fake ms.
fn drive(config: &SyncConfig, answer: impl FnMut(&Request, usize) -> Response) -> Run {
    drive_session(session(config), 10.0, answer)
}

/// Like [`drive`], with each request taking `request_ms` of fake time.
fn drive_session(
    mut session: SyncSession,
    request_ms: f64,
    mut answer: impl FnMut(&Request, usize) -> Response,
) -> Run {
    let mut run = Run {
        requests: Vec::new(),
        texts: Vec::new(),
        timeouts: Vec::new(),
        waits: Vec::new(),
        end: Action::Failed(Error::new(ErrorKind::Protocol, "not run")),
        now: 1_000_000.0,
        started: 1_000_000.0,
        upload_body: session.upload_body().to_vec(),
    };
    for _ in 0..100 {
        match session.poll(run.now) {
            Action::Send {
                request,
                timeout_ms,
                progress,
            } => {
                let earlier = run
                    .requests
                    .iter()
                    .filter(|r| r.step == request.step)
                    .count();
                assert_eq!(
                    progress.attempt as usize,
                    earlier_attempts(&run, &request) + 1
                );
                run.texts.push(progress.text);
                let response = answer(&request, earlier);
                run.now += request_ms;
                run.timeouts.push(timeout_ms);
                run.requests.push(request);
                session.handle_response(run.now, response).unwrap();
            }
            Action::Wait { ms, progress } => {
                assert_eq!(progress.wait_ms, Some(ms));
                run.texts.push(progress.text);
                run.waits.push(ms);
                run.now += ms as f64;
            }
            Action::Confirm(verdict) => panic!("unexpected confirmation: {}", verdict.message),
            end => {
                assert_eq!(session.poll(run.now), end, "the end repeats");
                run.end = end;
                return run;
            }
        }
    }
    panic!("the session did not end");
}

/// Attempts of this step since the session last moved to it.
fn earlier_attempts(run: &Run, request: &Request) -> usize {
    run.requests
        .iter()
        .rev()
        .take_while(|r| r.step == request.step)
        .count()
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
        assert!(!format!("{outcome:?}").contains(KEY));
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
    assert!(
        run.timeouts.iter().all(|&t| t == 30_000),
        "{:?}",
        run.timeouts
    );

    assert_eq!(upload.method, Method::Put);
    assert_eq!(upload.url, UPLOAD_URL);
    assert_eq!(
        upload.header("authorization"),
        None,
        "the key must not go to storage"
    );
    assert_eq!(upload.header("content-type"), Some("customIntegrationData"));
    assert_eq!(upload.body, Some(Body::Upload));
    assert_eq!(run.upload_body, FILE.as_bytes());

    assert_eq!(
        (register.method, register.url.as_str()),
        (Method::Post, "https://api.toriihq.com/v1.0/files")
    );
    assert_eq!(
        run.json_body(2),
        serde_json::json!({"path": "org/1/stripe.json", "type": "customIntegrationData"})
    );

    assert_eq!(sync.method, Method::Put);
    assert_eq!(sync.url, format!("{BASE}/services/sync/custom"));
    assert_eq!(
        run.json_body(3),
        serde_json::json!({"idFile": 9001, "idAppAccount": 777})
    );
    let _ = (sync, register);

    let outcome = run.outcome();
    assert_eq!(outcome.file_id.to_string(), "9001");
    assert_eq!(
        (outcome.user_count, outcome.requests, outcome.retries),
        (2, 4, 0)
    );
    assert_eq!(outcome.steps.len(), 4);
    assert!(outcome.steps.iter().all(|s| s.attempts == 1 && s.ms == 10));
    assert_eq!(outcome.total_ms, 40);
    assert_eq!(outcome.target, format!("{BASE}#777"));
    let baseline: serde_json::Value = serde_json::from_str(&outcome.baseline).unwrap();
    assert_eq!(baseline["fileId"], 9001);
    assert_eq!(baseline["userCount"], 2);
    assert_eq!(baseline["activeUsers"], 2);
    assert_eq!(baseline["syncedAt"], "1970-01-01T00:16:40Z");
    assert!(outcome
        .text
        .starts_with("synced: file id 9001, 2 users, 4 requests, 0 retries"));
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
    assert_eq!(
        run.json_body(3),
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
    assert_eq!(upload.body, Some(Body::Upload));
    let body = String::from_utf8(run.upload_body.clone()).unwrap();
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
    let err =
        SyncSession::from_json(&config(r#","mode":"direct""#), big.into_bytes(), 1).unwrap_err();
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
        &config(r#","timeBudgetMs":1000000"#),
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
            step: Step::UploadUrl,
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
        failing(
            Step::Sync,
            99,
            Response::Transport("connection reset".into()),
        ),
    );
    let err = run.error();
    assert_eq!(err.kind(), &ErrorKind::Network { step: Step::Sync });
    assert!(err
        .message()
        .contains("could not reach the server at step 4/4 (start sync)"));
    assert!(err.message().contains("connection reset"));
}

/// A transport that has a deadline of its own (UrlFetchApp) says so only
/// in its error's text: the run ends as timed out, in the host's words.
#[test]
fn a_transport_error_that_names_a_deadline_ends_the_run_as_a_timeout() {
    let run = drive(
        &config(""),
        failing(Step::Sync, 99, Response::Transport("timed out".into())),
    );
    let err = run.error();
    assert_eq!(err.kind(), &ErrorKind::Timeout { step: Step::Sync });
    assert!(err
        .message()
        .contains("no complete answer in time (timed out)"));
}

#[test]
fn the_time_budget_bounds_the_total_wait() {
    let slow = Response::status(429, "").with_header("Retry-After", "120");
    let run = drive(&config(""), failing(Step::UploadUrl, 1, slow));
    assert_eq!(run.steps(), ["upload_url"]);
    assert!(run.waits.is_empty(), "it must not wait past the budget");
    assert_eq!(run.error().code(), "budget_exceeded");
    assert!(
        run.error()
            .message()
            .contains("the next retry would wait 120 s, beyond the sync's time budget of 60 s"),
        "{}",
        run.error()
    );

    let run = drive(
        &config(r#","timeBudgetMs":200000"#),
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
        &config(r#","timeBudgetMs":600000"#),
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
    // The step 1 sent again says why, or the progress reads as going backwards.
    assert_eq!(run.texts[1], "[2/4] upload");
    assert!(
        run.texts[2].starts_with("[1/4] upload URL again: the upload was refused (")
            && run.texts[2].contains("Request has expired"),
        "{}",
        run.texts[2]
    );
    assert_eq!(run.texts[3], "[2/4] upload");

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
    assert_eq!(run.error().kind(), &ErrorKind::Rejected { status: 403 });
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
            step: Step::Sync,
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
        assert_eq!(run.error().kind(), &ErrorKind::MalformedResponse { step });
        assert!(run.error().message().contains(expected), "{}", run.error());
    }
}

#[test]
fn an_answer_that_echoes_the_key_into_what_the_sync_keeps_is_refused() {
    // A file id or upload parameters holding the key would carry it into the
    // outcome, the state file and the next requests' URLs.
    let echoing_id = format!(r#"{{"id":"{KEY}"}}"#);
    let echoing_url = format!(
        r#"{{"uploadFileParameters":{{"url":"{UPLOAD_URL}&k={KEY}","filePath":"org/1/stripe.json"}}}}"#
    );
    let echoing_path = format!(
        r#"{{"uploadFileParameters":{{"url":"{UPLOAD_URL}","filePath":"org/{KEY}.json"}}}}"#
    );
    let cases = [
        (
            "",
            Step::Register,
            echoing_id.as_str(),
            "the file id holds the API key",
        ),
        (
            r#","mode":"direct""#,
            Step::DirectUpload,
            echoing_id.as_str(),
            "the file id holds the API key",
        ),
        (
            "",
            Step::UploadUrl,
            echoing_url.as_str(),
            "the upload parameters hold the API key",
        ),
        (
            "",
            Step::UploadUrl,
            echoing_path.as_str(),
            "the upload parameters hold the API key",
        ),
    ];
    for (extra, step, body, expected) in cases {
        let run = drive(
            &config(extra),
            failing(step, 1, Response::status(200, body)),
        );
        assert_eq!(run.error().kind(), &ErrorKind::MalformedResponse { step });
        assert!(run.error().message().contains(expected), "{}", run.error());
        assert_no_key(&run);
    }
}

#[test]
fn invalid_configurations_are_refused() {
    for (extra, field) in [
        (r#","apiKey":"""#, "apiKey"),
        (r#","appAccountId":" ""#, "appAccountId"),
        (r#","baseUrl":"http://api.toriihq.com/v1.0""#, "baseUrl"),
        (r#","baseUrl":"""#, "baseUrl"),
        (r#","requestTimeoutMs":0"#, "requestTimeoutMs"),
    ] {
        let err = SyncSession::from_json(&config(extra), FILE.as_bytes().to_vec(), 1).unwrap_err();
        assert_eq!(
            err.kind(),
            &ErrorKind::InvalidConfig {
                field: field.into()
            },
            "{extra}"
        );
        assert!(!err.message().contains(KEY));
    }
    for bad in [
        r#"{"timeBudgetMs":-1}"#,
        r#"{"maxDropPercent":101}"#,
        r#"{"appAccountID":"1"}"#,
        r#"{"mode":"sideways"}"#,
    ] {
        assert_eq!(
            Options::from_json(bad).unwrap_err().code(),
            "invalid_option",
            "{bad}"
        );
    }
}

#[test]
fn files_without_users_are_refused() {
    for file in [r#"{"users":[]}"#, r#"{"licenses":[]}"#, "not json"] {
        let err = SyncSession::from_json(&config(""), file.as_bytes().to_vec(), 1).unwrap_err();
        assert_eq!(err.code(), "invalid_option", "{file}");
    }
}

/// Polls until the first action, which must be a confirmation.
fn confirmation(session: &mut SyncSession) -> stripe_torii_sync::sync::GuardVerdict {
    match session.poll(0.0) {
        Action::Confirm(verdict) => verdict,
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

#[test]
fn the_guard_asks_before_a_destructive_sync() {
    let mut s = session(&config(r#","baseline":{"userCount":10}"#));
    let verdict = confirmation(&mut s);
    assert_eq!(verdict.reason, Some(DropReason::TooManyRemoved));
    assert_eq!(
        (
            verdict.previous_users,
            verdict.removed_users,
            verdict.new_users
        ),
        (Some(10), 8, 2)
    );
    assert!(verdict
        .message
        .starts_with("the last sync sent 10 users and this one removes 8"));
    assert_eq!(s.verdict(), &verdict);
    s.confirm(true).unwrap();
    assert!(matches!(s.poll(0.0), Action::Send { .. }));

    let mut no = session(&config(r#","baseline":{"userCount":10}"#));
    confirmation(&mut no);
    no.confirm(false).unwrap();
    assert!(matches!(no.poll(0.0), Action::Failed(e) if e.code() == "cancelled"));

    let mut nobody = session(&config(r#","baseline":{"userCount":10}"#));
    confirmation(&mut nobody);
    nobody.refuse().unwrap();
    match nobody.poll(0.0) {
        Action::Failed(e) => {
            assert_eq!(
                e.kind(),
                &ErrorKind::DestructiveSync {
                    previous_users: 10,
                    removed_users: 8,
                    new_users: 2
                }
            );
            assert!(e.message().starts_with("refused"));
        }
        other => panic!("{other:?}"),
    }

    for allowed in [
        r#","baseline":{"userCount":10},"allowDrop":true"#,
        r#","baseline":{"userCount":2}"#,
        r#","baseline":{"userCount":4},"maxDropPercent":50"#,
    ] {
        let mut s = session(&config(allowed));
        assert!(matches!(s.poll(0.0), Action::Send { .. }), "{allowed}");
    }
}

#[test]
fn an_unreadable_baseline_asks_for_confirmation() {
    for stored in [
        r#"{}"#,
        r#"{"userCount":"10"}"#,
        r#"{"userCount":null}"#,
        r#"{"userCount":-3}"#,
        r#"[10]"#,
    ] {
        let mut s = session(&config(&format!(r#","baseline":{stored}"#)));
        let verdict = confirmation(&mut s);
        assert_eq!(
            verdict.reason,
            Some(DropReason::UnreadableBaseline),
            "{stored}"
        );
        assert!(verdict.message.contains("unreadable"));
    }
}

#[test]
fn a_swap_of_users_trips_the_guard_though_the_count_is_the_same() {
    let before = r#"{"users":[{"email":"ada@example.com","status":"active"},{"email":"cat@example.com","status":"active"}]}"#;
    let config = config(&format!(
        r#","baseline":{{"userCount":2}},"previousFile":{}"#,
        serde_json::to_string(before).unwrap()
    ));
    let mut s = session(&config);
    let verdict = confirmation(&mut s);
    assert_eq!(
        (
            verdict.previous_users,
            verdict.removed_users,
            verdict.drop_percent
        ),
        (Some(2), 1, 50.0)
    );
}

/// A Torii file of `n` users `u0@example.com`…, all with `status`.
fn users_json(n: usize, status: &str) -> String {
    let users: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"email":"u{i}@example.com","status":"{status}"}}"#))
        .collect();
    format!(r#"{{"users":[{}]}}"#, users.join(","))
}

/// A Stripe export of `n` members `u0@example.com`…, all with `status`.
fn users_csv(n: usize, status: &str) -> String {
    let mut csv = String::from("Email,Status\n");
    for i in 0..n {
        csv.push_str(&format!("u{i}@example.com,{status}\n"));
    }
    csv
}

#[test]
fn marking_every_user_deleted_trips_the_guard() {
    let previous = users_json(100, "active");
    let removed = transform(&users_csv(100, "Removed"), &TransformOptions::default()).unwrap();
    let with_file = config(&format!(
        r#","previousFile":{}"#,
        serde_json::to_string(&previous).unwrap()
    ));
    let with_count = config(r#","baseline":{"userCount":100,"activeUsers":100}"#);
    for config in [&with_file, &with_count] {
        let plan = SyncSession::plan(config, &removed, 1).unwrap();
        let v = &plan.verdict;
        assert!(!v.allowed, "{}", v.message);
        assert_eq!(v.reason, Some(DropReason::TooManyRemoved));
        assert_eq!(
            (v.previous_users, v.removed_users, v.new_users),
            (Some(100), 100, 0)
        );
    }
    let plan = SyncSession::plan(&with_file, &removed, 1).unwrap();
    assert!(plan
        .verdict
        .message
        .contains("it marks 100 of them deleted"));
    assert_eq!(
        plan.changes.unwrap().removed.len(),
        0,
        "no email is missing"
    );
    // The same through a Torii file given as JSON.
    let deleted = users_json(100, "deleted").into_bytes();
    for config in [&with_file, &with_count] {
        let mut s = SyncSession::from_json(config, deleted.clone(), 1).unwrap();
        assert_eq!(confirmation(&mut s).removed_users, 100);
    }
    // Users already deleted in the last file are not users of the app:
    // with the record of that sync, sending them again goes ahead.
    let previous = users_json(100, "deleted");
    let was_deleted = config(&format!(
        r#","previousFile":{},"baseline":{{"userCount":100,"activeUsers":0}}"#,
        serde_json::to_string(&previous).unwrap()
    ));
    let mut s = SyncSession::from_json(&was_deleted, deleted.clone(), 1).unwrap();
    assert!(matches!(s.poll(0.0), Action::Send { .. }));
    // Without the record, the stored file alone (emptied, or cut down to
    // deleted users) proves nothing, and the sync asks.
    for previous in [previous, r#"{"users":[]}"#.to_string()] {
        let half = config(&format!(
            r#","previousFile":{}"#,
            serde_json::to_string(&previous).unwrap()
        ));
        let mut s = SyncSession::from_json(&half, deleted.clone(), 1).unwrap();
        assert_eq!(
            confirmation(&mut s).reason,
            Some(DropReason::UnreadableBaseline)
        );
    }
}

#[test]
fn the_baseline_records_active_users_and_old_records_still_count() {
    let mixed = r#"{"users":[{"email":"a@x.com","status":"active"},{"email":"b@x.com","status":"deleted"}]}"#;
    let run = drive_session(
        SyncSession::from_json(&config(""), mixed.as_bytes().to_vec(), 1).unwrap(),
        10.0,
        |r, _| happy(r),
    );
    let baseline: serde_json::Value = serde_json::from_str(&run.outcome().baseline).unwrap();
    assert_eq!(
        (
            baseline["userCount"].as_u64(),
            baseline["activeUsers"].as_u64()
        ),
        (Some(2), Some(1))
    );
    // The next sync judges by the one active user, not the two in the file.
    let next = config(&format!(r#","baseline":{}"#, run.outcome().baseline));
    let one = r#"{"users":[{"email":"a@x.com","status":"active"}]}"#;
    let mut s = SyncSession::from_json(&next, one.as_bytes().to_vec(), 1).unwrap();
    assert!(matches!(s.poll(0.0), Action::Send { .. }));
    // A record from before activeUsers counts all the users it sent.
    let old = config(r#","baseline":{"userCount":2}"#);
    let mut s = SyncSession::from_json(&old, one.as_bytes().to_vec(), 1).unwrap();
    assert_eq!(confirmation(&mut s).previous_users, Some(2));
}

#[test]
fn a_cut_down_previous_file_does_not_override_the_baseline() {
    let one = transform(
        "Email,Status\na@x.com,Active\n",
        &TransformOptions::default(),
    )
    .unwrap();
    let cut =
        serde_json::to_string(r#"{"users":[{"email":"a@x.com","status":"active"}]}"#).unwrap();
    let both = config(&format!(
        r#","baseline":{{"userCount":100}},"previousFile":{cut}"#
    ));
    let plan = SyncSession::plan(&both, &one, 1).unwrap();
    assert!(!plan.verdict.allowed, "{}", plan.verdict.message);
    assert_eq!(
        (plan.verdict.previous_users, plan.verdict.removed_users),
        (Some(100), 99)
    );
    let json = SyncSession::from_json(&both, one.to_json(), 1);
    assert_eq!(confirmation(&mut json.unwrap()).removed_users, 99);
    // Without the baseline, the file alone is half of what a host keeps
    // (the record deleted, or never written): it vouches for nothing.
    let file_only = config(&format!(r#","previousFile":{cut}"#));
    let v = SyncSession::plan(&file_only, &one, 1).unwrap().verdict;
    assert_eq!(
        v.reason,
        Some(DropReason::UnreadableBaseline),
        "{}",
        v.message
    );
    assert!(v.message.contains("missing, though"), "{}", v.message);
    let confirmed = config(&format!(r#","previousFile":{cut},"allowDrop":true"#));
    assert!(
        SyncSession::plan(&confirmed, &one, 1)
            .unwrap()
            .verdict
            .allowed
    );
}

#[test]
fn a_drop_just_over_the_limit_is_refused() {
    let previous = serde_json::to_string(&users_json(2500, "active")).unwrap();
    let config = config(&format!(
        r#","previousFile":{previous},"baseline":{{"userCount":2500,"activeUsers":2500}}"#
    ));
    let kept = |n| transform(&users_csv(n, "Active"), &TransformOptions::default()).unwrap();
    let v = SyncSession::plan(&config, &kept(1999), 1).unwrap().verdict;
    assert!(!v.allowed, "501 of 2500 is 20.04%: {}", v.message);
    assert_eq!(v.removed_users, 501);
    assert!(!v.message.contains("within"), "{}", v.message);
    assert!(
        !v.message.contains("20%, more than the 20%"),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("more than the 20% allowed"),
        "{}",
        v.message
    );
    let v = SyncSession::plan(&config, &kept(2000), 1).unwrap().verdict;
    assert!(v.allowed, "{}", v.message);
    assert!(
        v.message.contains("(20%), within the 20% allowed"),
        "{}",
        v.message
    );
}

#[test]
fn waiting_is_reported_until_its_time_has_come() {
    let mut session = session(&config(""));
    assert!(matches!(session.poll(0.0), Action::Send { .. }));
    let limited = Response::status(429, "").with_header("Retry-After", "2");
    session.handle_response(0.0, limited).unwrap();
    assert!(matches!(session.poll(500.0), Action::Wait { ms: 1500, .. }));
    assert!(matches!(session.poll(1999.5), Action::Wait { ms: 1, .. }));
    match session.poll(2000.0) {
        Action::Send {
            request, progress, ..
        } => {
            assert_eq!(request.step, Step::UploadUrl);
            assert_eq!(
                (progress.index, progress.total, progress.attempt),
                (1, 4, 2)
            );
            assert_eq!(progress.text, "[1/4] upload URL (attempt 2)");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn calls_out_of_order_are_protocol_errors() {
    let mut session = session(&config(""));
    let err = session
        .handle_response(0.0, Response::status(200, ""))
        .unwrap_err();
    assert_eq!(err.code(), "protocol");
    assert_eq!(session.confirm(true).unwrap_err().code(), "protocol");
    assert!(matches!(session.poll(0.0), Action::Send { .. }));
    match session.poll(0.0) {
        Action::Failed(err) => assert_eq!(err.code(), "protocol"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn debug_output_never_shows_the_key() {
    let mut session = session(&config(""));
    assert!(!format!("{session:?}").contains(KEY));
    let Action::Send { request, .. } = session.poll(0.0) else {
        panic!()
    };
    assert!(!format!("{request:?}").contains(KEY));
    assert!(!format!("{:?}", config("")).contains(KEY));
}

#[test]
fn timeouts_are_retried_and_name_their_step() {
    let run = drive(&config(""), failing(Step::Register, 2, Response::Timeout));
    assert_eq!(run.steps().iter().filter(|s| **s == "register").count(), 3);
    run.outcome();
    let run = drive(
        &config(r#","timeBudgetMs":1000000"#),
        failing(Step::Register, 99, Response::Timeout),
    );
    assert_eq!(
        run.error().kind(),
        &ErrorKind::Timeout {
            step: Step::Register
        }
    );
    assert!(run
        .error()
        .message()
        .contains("step 3/4 (register file) timed out 5 times"));
}

#[test]
fn the_budget_bounds_the_whole_sync_requests_included() {
    // Every request hangs until its 30 s timeout: the sync must end within
    // the 60 s budget plus one timeout, at whichever step it had reached.
    let s = SyncSession::from_json(&config(""), FILE.as_bytes().to_vec(), 42).unwrap();
    let run = drive_session(s, 30_000.0, |_, _| Response::Timeout);
    let err = run.error();
    assert_eq!(
        err.kind(),
        &ErrorKind::BudgetExceeded {
            step: Step::UploadUrl
        }
    );
    assert!(err.message().contains("step 1/4 (upload URL)"), "{err}");
    assert!(
        run.now - run.started <= 60_000.0 + 30_000.0,
        "{}",
        run.now - run.started
    );

    let config = config(r#","requestTimeoutMs":5000,"timeBudgetMs":20000"#);
    let s = SyncSession::from_json(&config, FILE.as_bytes().to_vec(), 42).unwrap();
    let run = drive_session(s, 5_000.0, |r, _| {
        if r.step == Step::Register {
            Response::Timeout
        } else {
            happy(r)
        }
    });
    // Each request waits at most its 5 s, and the last ones only what is
    // left of the budget.
    assert!(
        run.timeouts.iter().all(|&t| t <= 5_000),
        "{:?}",
        run.timeouts
    );
    assert!(run.timeouts.last() < Some(&5_000), "{:?}", run.timeouts);
    assert_eq!(run.error().code(), "budget_exceeded");
    assert!(run.now - run.started <= 20_000.0 + 5_000.0);
}

#[test]
fn a_retry_after_in_the_past_backs_off_instead_of_hammering() {
    let past =
        Response::status(429, "").with_header("Retry-After", "Thu, 01 Jan 1970 00:00:01 GMT");
    let run = drive(&config(""), failing(Step::UploadUrl, 1, past));
    assert_eq!(run.waits.len(), 1);
    assert!((250..=500).contains(&run.waits[0]), "{:?}", run.waits);
    run.outcome();
}

#[test]
fn spellings_of_one_target_sync_to_one_baseline() {
    let a = drive(
        &config(r#","appAccountId":" 0777","baseUrl":"https://API.toriihq.com/v1.0/""#),
        |r, _| happy(r),
    );
    let b = drive(&config(""), |r, _| happy(r));
    assert_eq!(a.outcome().target, b.outcome().target);
    assert_eq!(a.requests[0].url, b.requests[0].url);
    assert_eq!(a.json_body(3)["idAppAccount"], 777);
    // Spellings WHATWG URL parsing sends to the same endpoint: one target,
    // and the requests go to the normalised URL the key was made from.
    for base in [
        "https://api.toriihq.com/./v1.0",
        "https://api.toriihq.com/v1.0/.",
        "https://api.toriihq.com/v1.0/x/..",
        "https://api.toriihq.com:0443/v1.0",
        "https://api.toriihq.com./%761.0",
    ] {
        let run = drive(&config(&format!(r#","baseUrl":"{base}""#)), |r, _| happy(r));
        assert_eq!(run.outcome().target, b.outcome().target, "{base}");
        for (sent, expected) in run.requests.iter().zip(&b.requests) {
            assert_eq!(sent.url, expected.url, "{base}");
        }
    }
}

#[test]
fn respelling_the_api_url_does_not_escape_the_guard() {
    for base in [
        "http://127.0.0.1:18787/v1.0",
        "http://127.0.0.1:18787/./v1.0",
        "http://127.0.0.1:18787/v1.0/.",
        "http://127.0.0.1:18787/v1.0/x/..",
        "http://127.0.0.1:018787/v1.0",
    ] {
        let spelled = config(&format!(
            r#","baseUrl":"{base}","baseline":{{"userCount":100}}"#
        ));
        let verdict = confirmation(&mut session(&spelled));
        assert_eq!(verdict.reason, Some(DropReason::TooManyRemoved), "{base}");
        let plan = SyncSession::plan(
            &spelled,
            &transform("Email\nu0@example.com\n", &TransformOptions::default()).unwrap(),
            1,
        )
        .unwrap();
        assert_eq!(plan.target, "http://127.0.0.1:18787/v1.0#777", "{base}");
        assert!(!plan.verdict.allowed, "{base}");
        assert!(plan.requests[0]
            .url
            .starts_with("http://127.0.0.1:18787/v1.0/files/url?"));
    }
    for base in [
        "http://127.0.0.1:18787\\\\v1.0",
        "https://api.toriihq.com\\\\v1.0",
        "https://ops:tk_live_Secret-Key-42@api.toriihq.com/v1.0",
    ] {
        let error = SyncSession::from_json(
            &config(&format!(r#","baseUrl":"{base}""#)),
            FILE.as_bytes().to_vec(),
            42,
        )
        .unwrap_err();
        assert_eq!(error.code(), "invalid_config", "{base}");
        assert!(matches!(error.kind(), ErrorKind::InvalidConfig { field } if field == "baseUrl"));
        assert!(!error.message().contains(KEY), "{}", error.message());
    }
}

/// The dry run's plan is what a real run sends, with placeholders for what
/// Torii answers on the way.
#[test]
fn the_plan_is_the_requests_a_sync_sends() {
    let out = transform(
        "Email\nada@example.com\nbob@example.com\n",
        &TransformOptions::default(),
    )
    .unwrap();
    for mode in ["presigned", "direct"] {
        let config = config(&format!(r#","mode":"{mode}","apiVersion":"1.1""#));
        let plan = SyncSession::plan(&config, &out, 42).unwrap();
        let real = SyncSession::new(&config, &out, 42).unwrap();
        let run = drive_session(real, 10.0, |r, _| happy(r));
        assert_eq!(plan.requests.len(), run.requests.len(), "{mode}");
        for (planned, sent) in plan.requests.iter().zip(&run.requests) {
            let fill = |text: &str| {
                text.replace(UPLOAD_URL_PLACEHOLDER, UPLOAD_URL)
                    .replace(FILE_PATH_PLACEHOLDER, "org/1/stripe.json")
                    .replace(&format!("\"{FILE_ID_PLACEHOLDER}\""), "9001")
            };
            assert_eq!(planned.method, sent.method);
            assert_eq!(fill(&planned.url), sent.url);
            let sent_headers: Vec<(String, String)> = sent
                .headers
                .iter()
                .map(|(n, v)| {
                    let v = if n == "Authorization" {
                        "Bearer [redacted]".into()
                    } else {
                        v.clone()
                    };
                    (n.clone(), v)
                })
                .collect();
            assert_eq!(planned.headers, sent_headers);
            match &sent.body {
                Some(Body::Json(text)) => assert_eq!(
                    planned.body.as_deref().map(fill).as_deref(),
                    Some(text.as_str())
                ),
                Some(Body::Upload) => assert!(planned.body.as_deref().unwrap().contains("2 users")),
                None => assert_eq!(planned.body, None),
            }
        }
        assert!(plan.verdict.allowed);
        assert_eq!(plan.target, format!("{BASE}#777"));
    }
    let keyless = config(r#","apiKey":"""#);
    assert!(SyncSession::plan(&keyless, &out, 1).is_ok());
}

#[test]
fn a_broken_or_strict_file_is_never_uploaded() {
    let broken = transform(
        "Email,Name\nada@example.com,\"Ada\nbob@example.com,Bob\n",
        &TransformOptions::default(),
    )
    .unwrap();
    assert_eq!(
        SyncSession::new(&config(""), &broken, 1)
            .unwrap_err()
            .code(),
        "broken_file"
    );
    assert_eq!(
        SyncSession::plan(&config(""), &broken, 1)
            .unwrap_err()
            .code(),
        "broken_file"
    );
    let strict = TransformOptions {
        strict: true,
        ..Default::default()
    };
    let rejected = transform("Email\nada@example.com\nnope\n", &strict).unwrap();
    assert_eq!(
        SyncSession::new(&config(""), &rejected, 1)
            .unwrap_err()
            .code(),
        "rows_rejected"
    );
    let lenient = transform(
        "Email\nada@example.com\nnope\n",
        &TransformOptions::default(),
    )
    .unwrap();
    assert!(SyncSession::new(&config(""), &lenient, 1).is_ok());
}

#[test]
fn a_key_pasted_into_the_target_file_name_or_version_is_refused_without_repeating_it() {
    // The key in the App Account ID or the API URL would be sent in a
    // request body or URL, and kept in every host's store under the
    // target key (in the Sheet, in the document's properties); in the file
    // name it would be sent in a URL's query, in the version in a header,
    // and both are shown in the plan.
    for extra in [
        format!(r#","fileName":"stripe-{KEY}.json""#),
        format!(r#","apiVersion":"{}""#, KEY.to_uppercase()),
        format!(r#","appAccountId":"{KEY}""#),
        format!(r#","appAccountId":" {KEY} ""#),
        format!(r#","baseUrl":"https://api.toriihq.com/{KEY}/v1.0""#),
        format!(
            r#","baseUrl":"https://{}.example.com/v1.0""#,
            KEY.to_lowercase()
        ),
    ] {
        let config = config(&extra);
        let Err(err) = SyncSession::from_json(&config, FILE.as_bytes().to_vec(), 42) else {
            panic!("accepted {extra}");
        };
        assert_eq!(err.code(), "invalid_config", "{extra}");
        assert!(
            !err.message().to_lowercase().contains(&KEY.to_lowercase()),
            "{err}"
        );
        let out = transform(FILE_CSV, &TransformOptions::default()).unwrap();
        let err = SyncSession::plan(&config, &out, 1).unwrap_err();
        assert_eq!(err.code(), "invalid_config", "{extra}");
    }
}

const FILE_CSV: &str = "Email,Status\nada@example.com,active\nbob@example.com,active\n";

#[test]
fn a_request_gets_only_the_time_left_in_the_budget() {
    // A 20 s budget and 15 s requests: the second request may wait only the
    // 5 s left, so the sync ends within the budget.
    let config = config(r#","requestTimeoutMs":15000,"timeBudgetMs":20000"#);
    let s = SyncSession::from_json(&config, FILE.as_bytes().to_vec(), 42).unwrap();
    let run = drive_session(s, 15_000.0, |r, _| {
        if r.step == Step::Upload {
            Response::Timeout
        } else {
            happy(r)
        }
    });
    assert_eq!(run.timeouts, [15_000, 5_000]);
    assert_eq!(run.error().code(), "budget_exceeded");
}

#[test]
fn an_echo_of_the_key_percent_encoded_is_redacted() {
    let key = "tk_Sec/ret+Key=42";
    let config = config(&format!(r#","apiKey":"{key}""#));
    for echo in [
        "Bearer%20tk_Sec%2Fret%2BKey%3D42",
        "Bearer+tk_Sec%2fret%2bKey%3d42",
    ] {
        let body = format!(r#"{{"message":"bad header {echo}"}}"#);
        let run = drive(
            &config,
            failing(Step::UploadUrl, 1, Response::status(400, body)),
        );
        let message = run.error().message();
        assert!(!message.contains("tk_Sec"), "{message}");
        assert!(message.contains("[redacted]"), "{message}");
    }
}

#[test]
fn an_account_that_is_a_number_spelled_another_way_is_refused() {
    // Torii takes the account as a number: "+777" or "777.0" sent as text
    // may well be read as 777, the account "777" is under another target
    // key, and its baseline would not guard the sync.
    for account in [
        "+777",
        "-777",
        "777.0",
        "777.",
        "7.77e2",
        "7.77E+2",
        "0x309",
        "0X309",
        "0o1411",
        "0b1100001001",
        "Infinity",
        "NaN",
    ] {
        let config = config(&format!(r#","appAccountId":"{account}""#));
        let Err(err) = SyncSession::from_json(&config, FILE.as_bytes().to_vec(), 42) else {
            panic!("accepted {account}");
        };
        assert_eq!(err.code(), "invalid_config", "{account}");
        assert!(err.message().contains("plain digits"), "{err}");
    }
    for account in ["777", " 0777", "abc", "app-777", "99999999999999999999"] {
        let config = config(&format!(r#","appAccountId":"{account}""#));
        assert!(
            SyncSession::from_json(&config, FILE.as_bytes().to_vec(), 42).is_ok(),
            "{account}"
        );
    }
}

#[test]
fn a_clock_set_back_during_a_wait_neither_stretches_the_wait_nor_the_budget() {
    // The host's clock is the wall clock: an NTP step back of an hour in
    // the middle of a retry's wait must not turn it into an hour's wait
    // (Apps Script would be killed at 6 minutes), nor extend the budget.
    let mut s = session(&config(""));
    let mut now = 1_000_000.0;
    let Action::Send { .. } = s.poll(now) else {
        panic!("no send")
    };
    now += 10.0;
    s.handle_response(now, Response::status(503, "")).unwrap();
    let Action::Wait { ms: asked, .. } = s.poll(now) else {
        panic!("no wait")
    };
    now -= 3_600_000.0;
    let mut real_elapsed = 10.0;
    let end = loop {
        match s.poll(now) {
            Action::Wait { ms, .. } => {
                assert!(
                    ms <= asked.max(16_000),
                    "a wait of {ms} ms after the clock went back"
                );
                now += ms as f64;
                real_elapsed += ms as f64;
            }
            Action::Send { timeout_ms, .. } => {
                // A slow 503, or the host's timeout first.
                let took = timeout_ms.min(20_000) as f64;
                now += took;
                real_elapsed += took;
                s.handle_response(now, Response::status(503, "")).unwrap();
            }
            end => break end,
        }
        assert!(
            real_elapsed < 200_000.0,
            "the session ran on for {real_elapsed} ms"
        );
    };
    let Action::Failed(error) = end else {
        panic!("{end:?}")
    };
    assert!(
        ["budget_exceeded", "retries_exhausted"].contains(&error.code()),
        "{error}"
    );
    assert!(real_elapsed <= 60_000.0 + 10.0, "{real_elapsed}");
}

#[test]
fn an_upload_that_fails_to_connect_keeps_the_presigned_urls_signature_out_of_the_error() {
    // UrlFetchApp's exception names the URL it could not reach, query and all:
    // the signature is a credential for the upload, and the error goes to a
    // sheet every editor reads.
    let run = drive(
        &config(""),
        failing(
            Step::Upload,
            99,
            Response::Transport(format!("Exception: Address unavailable: {UPLOAD_URL}")),
        ),
    );
    let message = run.error().message().to_string();
    assert!(
        message.contains("Address unavailable: https://uploads.s3.amazonaws.com/abc?[redacted]"),
        "{message}"
    );
    assert!(!message.contains("X-Amz-Signature"), "{message}");
}

/// Sends requests answered as Torii would until `steps` were sent, the last
/// one left in flight.
fn in_flight_after(steps: usize) -> SyncSession {
    let mut session = session(&config(""));
    for sent in 1..=steps {
        let Action::Send { request, .. } = session.poll(1_000.0 + sent as f64) else {
            panic!("expected a request");
        };
        if sent < steps {
            session
                .handle_response(1_000.0 + sent as f64, happy(&request))
                .unwrap();
        }
    }
    session
}

#[test]
fn a_sync_stopped_by_the_person_is_cancelled_saying_where_and_whether_torii_may_have_started_it() {
    let mut session = in_flight_after(2);
    session.cancel();
    let Action::Failed(error) = session.poll(2_000.0) else {
        panic!("expected a failure");
    };
    assert_eq!(error.code(), "cancelled");
    assert_eq!(
        error.message(),
        "stopped at step 2/4 (upload): nothing was synced, so the app's users in Torii are as they were"
    );
    let mut session = in_flight_after(4);
    session.cancel();
    let Action::Failed(error) = session.poll(2_000.0) else {
        panic!("expected a failure");
    };
    assert_eq!(error.code(), "cancelled");
    assert!(
        error.message().contains("Torii may have started it"),
        "{}",
        error.message()
    );
    // An ended session stays as it ended.
    let mut run = in_flight_after(4);
    run.handle_response(2_000.0, Response::status(200, "{}"))
        .unwrap();
    run.cancel();
    assert!(matches!(run.poll(3_000.0), Action::Done(_)));
}

/// A host that fails before it sends the request it was handed says so
/// (`abandon_unsent`): only an earlier attempt to start the sync can then
/// have started it. A failure after it may have sent it (`abandon`) cannot
/// say the same.
#[test]
fn a_host_that_failed_before_sending_a_request_says_that_attempt_never_left() {
    let failure = |session: &mut SyncSession| {
        let Action::Failed(error) = session.poll(9_000.0) else {
            panic!("expected a failure");
        };
        assert_eq!(error.code(), "host_failed");
        error.message().to_string()
    };
    let mut unsent = in_flight_after(4);
    unsent.abandon_unsent("onProgress failed (Error: closed)");
    assert!(
        !unsent.sync_sent(),
        "the attempt that never left is not counted"
    );
    assert_eq!(
        failure(&mut unsent),
        "onProgress failed (Error: closed); stopped at step 4/4 (start sync): nothing was synced, so \
         the app's users in Torii are as they were"
    );
    let mut sent = in_flight_after(4);
    sent.abandon("the host crashed");
    assert!(sent.sync_sent());
    assert!(failure(&mut sent).ends_with("stopped at step 4/4 (start sync): a request to start the sync \
         was sent, so Torii may have started it; check the integration in Torii before syncing again"));
    // The second attempt to start the sync, after a 503: the first may have started it.
    let mut retried = in_flight_after(4);
    retried
        .handle_response(2_000.0, Response::status(503, ""))
        .unwrap();
    let Action::Wait { ms, .. } = retried.poll(2_000.0) else {
        panic!("expected a wait");
    };
    let Action::Send { .. } = retried.poll(2_000.0 + ms as f64) else {
        panic!("expected the second attempt");
    };
    retried.abandon_unsent("onProgress failed");
    assert!(retried.sync_sent());
    assert!(failure(&mut retried).contains("Torii may have started it"));
    // Before step 4, nothing was synced either way.
    let mut early = in_flight_after(3);
    early.abandon_unsent("onProgress failed");
    assert!(failure(&mut early).ends_with(
        "(register file): nothing was synced, so the app's users \
         in Torii are as they were"
    ));
}

/// A request the host's transport refused (a quota) never left the host:
/// the failure and `sync_sent` agree that nothing was synced.
#[test]
fn a_start_of_the_sync_refused_by_the_host_is_not_counted_as_sent() {
    let mut s = in_flight_after(4);
    s.handle_response(
        2_000.0,
        Response::Transport("Service invoked too many times for one day: urlfetch.".into()),
    )
    .unwrap();
    let Action::Failed(error) = s.poll(2_000.0) else {
        panic!("expected a failure");
    };
    assert_eq!(error.code(), "host_limit");
    assert!(
        error
            .message()
            .ends_with("nothing was synced, so the app's users in Torii are as they were"),
        "{error}"
    );
    assert!(!s.sync_sent());
}

#[test]
fn each_progress_says_what_stopping_there_means_as_a_cancel_there_would() {
    for steps in 1..=4 {
        let mut session = session(&config(""));
        let mut last = None;
        for sent in 1..=steps {
            let Action::Send {
                request, progress, ..
            } = session.poll(1_000.0 + sent as f64)
            else {
                panic!("expected a request");
            };
            if sent < steps {
                session
                    .handle_response(1_000.0 + sent as f64, happy(&request))
                    .unwrap();
            }
            last = Some(progress);
        }
        let progress = last.unwrap();
        session.cancel();
        let Action::Failed(error) = session.poll(2_000.0) else {
            panic!("expected a failure");
        };
        assert!(
            error.message().ends_with(progress.if_stopped()),
            "{}: {}",
            progress.text,
            error.message()
        );
        assert_eq!(progress.sync_sent, steps == 4, "{}", progress.text);
        assert_eq!(
            progress.if_stopped().contains("Torii may have started it"),
            steps == 4,
            "{}",
            progress.text
        );
    }
}

#[test]
fn a_status_200_with_an_error_body_is_not_a_success() {
    // A proxy or gateway answering 200 with Torii's error shape: judged by
    // the status in the body, as if it had been sent as the status.
    let busy = Response::status(
        200,
        r#"{"statusCode":409,"error":"Conflict","message":"A sync is already in progress"}"#,
    );
    let run = drive(
        &config(r#","timeBudgetMs":600000"#),
        failing(Step::Sync, 99, busy),
    );
    assert_eq!(run.error().code(), "sync_conflict", "{}", run.error());
    let denied = Response::status(
        200,
        r#"{"statusCode":401,"error":"Unauthorized","message":"Invalid token"}"#,
    );
    let run = drive(&config(""), failing(Step::Register, 1, denied));
    assert_eq!(run.error().code(), "unauthorized", "{}", run.error());
    assert!(run.error().message().contains("Invalid token"));
    // The sync step's body is otherwise unchecked: an HTML page (a login
    // portal) or an explicit failure must not count as a started sync.
    for body in [
        "<html><body>Sign in to continue</body></html>",
        r#"{"success":false,"message":"sync could not start"}"#,
    ] {
        let run = drive(
            &config(""),
            failing(Step::Sync, 1, Response::status(200, body)),
        );
        assert!(
            matches!(run.end, Action::Failed(_)),
            "{body}: {:?}",
            run.end
        );
        assert_eq!(
            run.error().kind(),
            &ErrorKind::MalformedResponse { step: Step::Sync },
            "{}",
            run.error()
        );
        assert_eq!(run.steps().iter().filter(|s| **s == "sync").count(), 1);
    }
    // What Torii's success may look like is undocumented: these all pass.
    for body in ["", "  ", r#"{"success":true}"#, "{}", "true", r#""ok""#] {
        let run = drive(
            &config(""),
            failing(Step::Sync, 1, Response::status(200, body)),
        );
        run.outcome();
    }
}

#[test]
fn a_service_unavailable_honours_retry_after() {
    // RFC 9110 defines Retry-After for 503 as for 429: a server that says
    // how long it is down must not be hit again at once.
    let down = Response::status(503, "").with_header("Retry-After", "7");
    let run = drive(&config(""), failing(Step::UploadUrl, 1, down));
    assert_eq!(run.waits, [7000]);
    run.outcome();
}

#[test]
fn a_retry_after_sent_twice_is_still_honoured() {
    // Two Retry-After headers reach a fetch host joined, "3, 3".
    for value in ["3, 3", "2,3", "Thu, 01 Jan 1970 00:16:43 GMT, 3"] {
        let limited = Response::status(429, "").with_header("Retry-After", value);
        let run = drive(&config(""), failing(Step::Register, 1, limited));
        assert_eq!(run.waits, [3000], "{value}");
        run.outcome();
    }
}

#[test]
fn a_first_sync_of_only_deleted_users_asks_first() {
    // With nothing to compare with, a file whose users are all marked
    // deleted would still remove every user of the app in Torii.
    let deleted = users_json(3, "deleted").into_bytes();
    let mut s = SyncSession::from_json(&config(""), deleted.clone(), 1).unwrap();
    let v = confirmation(&mut s);
    assert_eq!(v.reason, Some(DropReason::NoActiveUsers));
    assert_eq!((v.previous_users, v.new_users), (None, 0));
    assert!(v.message.contains("no active user"), "{}", v.message);
    s.refuse().unwrap();
    match s.poll(0.0) {
        Action::Failed(e) => assert_eq!(e.code(), "destructive_sync"),
        other => panic!("{other:?}"),
    }
    // Confirmed, or with an active user in it, it goes ahead.
    let confirmed = config(r#","allowDrop":true"#);
    let mut s = SyncSession::from_json(&confirmed, deleted, 1).unwrap();
    assert!(matches!(s.poll(0.0), Action::Send { .. }));
    let removed = transform(&users_csv(3, "Removed"), &TransformOptions::default()).unwrap();
    assert_eq!(
        SyncSession::plan(&config(""), &removed, 1)
            .unwrap()
            .verdict
            .reason,
        Some(DropReason::NoActiveUsers)
    );
    let mut s =
        SyncSession::from_json(&config(""), users_json(3, "active").into_bytes(), 1).unwrap();
    assert!(matches!(s.poll(0.0), Action::Send { .. }));
}

#[test]
fn a_sync_request_left_unanswered_is_reported_as_possibly_started() {
    // The first start-sync request times out; Torii may have started the
    // sync, and then answers 409 because that very sync is running.
    let busy = Response::status(409, r#"{"message":"A sync is already in progress"}"#);
    let run = drive(
        &config(r#","timeBudgetMs":600000"#),
        |request, earlier| match (request.step, earlier) {
            (Step::Sync, 0) => Response::Timeout,
            (Step::Sync, _) => busy.clone(),
            _ => happy(request),
        },
    );
    assert_eq!(run.error().code(), "sync_conflict");
    assert!(
        run.error().message().contains("may be this one"),
        "{}",
        run.error()
    );
    // Timeouts to the end: the sync may have started all the same.
    let run = drive(
        &config(r#","timeBudgetMs":600000"#),
        failing(Step::Sync, 99, Response::Timeout),
    );
    assert_eq!(run.error().code(), "timeout");
    assert!(
        run.error()
            .message()
            .contains("Torii may have started the sync"),
        "{}",
        run.error()
    );
    // A conflict from the start is someone else's sync, as before.
    let run = drive(
        &config(r#","timeBudgetMs":600000"#),
        failing(Step::Sync, 99, busy),
    );
    assert!(!run.error().message().contains("may"), "{}", run.error());
}

#[test]
fn an_echo_of_the_key_json_escaped_in_a_body_that_is_not_json_is_redacted() {
    // A cut-off JSON body is shown as text, escapes and all: JSON may
    // write the key's / as \/ and any character as \u00XX.
    let key = "tk_Sec/ret+Key=42";
    let config = config(&format!(r#","apiKey":"{key}""#));
    for echo in [r"tk_Sec\/ret+Key=42", r"tk_Sec\u002Fret\u002bKey\u003D42"] {
        let body = format!(r#"{{"statusCode":400,"message":"bad header Bearer {echo}"#);
        let run = drive(
            &config,
            failing(Step::Register, 1, Response::status(400, body)),
        );
        let message = run.error().message();
        assert!(!message.contains("tk_Sec"), "{message}");
        assert!(message.contains("Bearer [redacted]"), "{message}");
    }
}

#[test]
fn a_retry_after_date_is_read_against_the_wall_clock_after_it_was_set_back() {
    // The session runs on from the latest time it saw, but a server's HTTP
    // date is wall-clock time: after an NTP step back of an hour, a date
    // 5 s ahead of the (corrected) wall clock still means 5 s.
    let mut s = session(&config(""));
    let mut now = 1_800_000_000_000.0;
    let Action::Send { .. } = s.poll(now) else {
        panic!("no send")
    };
    now += 10.0;
    s.handle_response(now, Response::status(503, "")).unwrap();
    now -= 3_600_000.0;
    let Action::Wait { ms, .. } = s.poll(now) else {
        panic!("no wait")
    };
    now += ms as f64;
    let Action::Send { .. } = s.poll(now) else {
        panic!("no send")
    };
    now += 10.0;
    let at = now + 5_000.0;
    let date = http_date(at);
    let limited = Response::status(429, "").with_header("Retry-After", &date);
    s.handle_response(now, limited).unwrap();
    let Action::Wait { ms, .. } = s.poll(now) else {
        panic!("no wait")
    };
    let expected = (at / 1000.0).floor() * 1000.0 - now;
    assert!(
        (expected - 1.0..=expected + 1.0).contains(&(ms as f64)),
        "waited {ms} ms for {date}"
    );
}

/// An IMF-fixdate for `ms` after the epoch, as chrono (the dev-dependency
/// the core's own calendar is checked against) writes it.
fn http_date(ms: f64) -> String {
    let secs = (ms / 1000.0).floor() as i64;
    chrono::DateTime::from_timestamp(secs, 0)
        .expect("a time in chrono's range")
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[test]
fn a_file_with_two_users_lists_is_refused() {
    // Torii reads such a file as JSON.parse does, by its last "users", but
    // the comparison with the last file would see both lists: 100 users
    // compared, 1 sent, and the guard none the wiser.
    let previous = users_json(100, "active");
    let with_file = config(&format!(
        r#","previousFile":{}"#,
        serde_json::to_string(&previous).unwrap()
    ));
    let users: Vec<String> = (0..100)
        .map(|i| format!(r#"{{"email":"u{i}@example.com","status":"active"}}"#))
        .collect();
    let file = format!(
        r#"{{"users":[{}],"users":[{{"email":"u0@example.com"}}]}}"#,
        users.join(",")
    );
    for config in [&with_file, &config("")] {
        let err = SyncSession::from_json(config, file.clone().into_bytes(), 1).unwrap_err();
        assert_eq!(err.code(), "invalid_option", "{err}");
        assert!(err.message().contains("more than one \"users\""), "{err}");
    }
}

#[test]
fn a_file_id_no_real_id_looks_like_is_malformed() {
    // The id is kept in the outcome, the state file and the logs: a
    // megabyte of it, or one with line breaks, is a hostile or broken
    // answer, not an id.
    for body in [
        format!(r#"{{"id":"{}"}}"#, "7".repeat(10_000)),
        format!(r#"{{"id":{}}}"#, "7".repeat(10_000)),
        r#"{"id":"7\nsynced: file id 8"}"#.to_string(),
    ] {
        let run = drive(
            &config(""),
            failing(Step::Register, 1, Response::status(200, body.clone())),
        );
        assert_eq!(
            run.error().kind(),
            &ErrorKind::MalformedResponse {
                step: Step::Register
            },
            "{}",
            &body[..40]
        );
        assert!(run.error().message().len() < 400, "{}", run.error());
    }
    let run = drive(
        &config(""),
        failing(
            Step::Register,
            1,
            Response::status(200, r#"{"id":"f-0b9e6c1d"}"#),
        ),
    );
    assert_eq!(run.outcome().file_id.to_string(), "f-0b9e6c1d");
}

#[test]
fn a_retry_after_in_two_header_entries_takes_the_longer_wait() {
    // A host that hands headers over one entry each (not joined) has the
    // same answer as one that joins them: "1, 3".
    let limited = Response::status(429, "")
        .with_header("Retry-After", "1")
        .with_header("retry-after", "3");
    let run = drive(&config(""), failing(Step::Register, 1, limited));
    assert_eq!(run.waits, [3000]);
    run.outcome();
}

#[test]
fn a_previous_file_that_is_no_torii_file_is_left_out_and_the_baseline_guards() {
    let one = transform(
        "Email,Status\na@x.com,Active\n",
        &TransformOptions::default(),
    )
    .unwrap();
    let cut = serde_json::to_string(r#"{"users":[{"email":"a@x.com""#).unwrap();
    let both = config(&format!(
        r#","baseline":{{"userCount":100}},"previousFile":{cut}"#
    ));
    let plan = SyncSession::plan(&both, &one, 1).unwrap();
    assert!(
        plan.changes.is_none(),
        "no changes against a file that cannot be read"
    );
    assert!(
        !plan.verdict.allowed,
        "the baseline still guards: {}",
        plan.verdict.message
    );
    assert!(SyncSession::new(&both, &one, 1).is_ok());
    assert!(SyncSession::from_json(&both, one.to_json(), 1).is_ok());
    // A last file without its record is an unreadable record (hosts store
    // the two together): the sync asks, whether or not the file reads.
    let file_only = config(&format!(r#","previousFile":{cut}"#));
    assert!(
        !SyncSession::plan(&file_only, &one, 1)
            .unwrap()
            .verdict
            .allowed
    );
}

#[test]
fn a_bad_user_in_the_file_sent_is_not_blamed_on_the_previous_file() {
    // The file to send passes the count (an entry without an email is
    // Torii's to judge), but comparing it with the last file must not
    // report the last file as broken.
    let previous = serde_json::to_string(&users_json(2, "active")).unwrap();
    let with_file = config(&format!(
        r#","previousFile":{previous},"baseline":{{"userCount":2,"activeUsers":2}}"#
    ));
    for file in [
        r#"{"users":[{"email":"u0@example.com"},{"email":"u1@example.com"},{}]}"#,
        r#"{"users":[{"email":"u0@example.com"},{"email":"u1@example.com"},7]}"#,
    ] {
        let plain = SyncSession::from_json(&config(""), file.as_bytes().to_vec(), 1);
        assert!(plain.is_ok(), "{file}");
        let mut s = SyncSession::from_json(&with_file, file.as_bytes().to_vec(), 1)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(matches!(s.poll(0.0), Action::Send { .. }), "{file}");
    }
}

/// A config for a host whose run ends at `ends_at_ms` and whose requests
/// take up to 60 s (Apps Script's `UrlFetchApp`).
fn run_ending_at(extra: &str, ends_at_ms: f64) -> SyncConfig {
    SyncConfig {
        host_run: Some(HostRun {
            ends_at_ms,
            longest_request_ms: Some(60_000.0),
        }),
        ..config(extra)
    }
}

#[test]
fn a_host_run_too_short_for_the_sync_and_its_records_sends_nothing() {
    // 60 s of budget, one request of up to 60 s and 30 s for the records.
    let need = 150_000.0;
    let mut fits = session(&run_ending_at("", need));
    assert!(matches!(fits.poll(0.0), Action::Send { .. }));

    let mut late = session(&run_ending_at("", need));
    let Action::Failed(error) = late.poll(1.0) else {
        panic!("a sync that no longer fits was sent")
    };
    assert_eq!(error.code(), "host_limit");
    assert_eq!(
        error.message(),
        "nothing was sent: 149.9 s are left of this run before the host stops it, too few \
         for a sync that may take 150 s (its time budget of 60 s, one request of up to 60 s, \
         and 30 s for the records); start the sync again, with a smaller time budget if this \
         happens again"
    );
    assert!(!late.sync_sent());
    assert!(matches!(late.poll(2.0), Action::Failed(again) if again == error));
}

#[test]
fn a_confirmation_that_took_too_long_for_the_host_run_says_to_answer_sooner() {
    let ends = 360_000.0;
    let mut s = session(&run_ending_at(r#","baseline":{"userCount":10}"#, ends));
    confirmation(&mut s);
    s.confirm(true).unwrap();
    let Action::Failed(error) = s.poll(ends - 100_000.0) else {
        panic!("sent with 100 s of the run left")
    };
    assert_eq!(error.code(), "host_limit");
    assert!(error
        .message()
        .starts_with("nothing was sent: 100 s are left"));
    assert!(error
        .message()
        .ends_with("start the sync again, and answer its question sooner"));
}

#[test]
fn a_question_asked_when_the_host_run_is_already_short_is_not_blamed() {
    // A host with nobody to ask still refuses: that says more than the time.
    let mut scheduled = session(&run_ending_at(r#","baseline":{"userCount":10}"#, 100_000.0));
    confirmation(&mut scheduled);
    scheduled.refuse().unwrap();
    let Action::Failed(refused) = scheduled.poll(1.0) else {
        panic!("not refused")
    };
    assert_eq!(refused.code(), "destructive_sync");
    // A yes at once cannot help either: the advice is the budget, not the answer.
    let mut asked = session(&run_ending_at(r#","baseline":{"userCount":10}"#, 100_000.0));
    confirmation(&mut asked);
    assert!(
        matches!(asked.poll(0.0), Action::Confirm(_)),
        "asked again until answered"
    );
    asked.confirm(true).unwrap();
    let Action::Failed(error) = asked.poll(0.0) else {
        panic!("sent with 100 s of the run left")
    };
    assert_eq!(error.code(), "host_limit");
    assert!(error
        .message()
        .ends_with("with a smaller time budget if this happens again"));
}

#[test]
fn a_host_run_is_checked_before_the_first_request_only() {
    // Once the first request is out, the budget bounds the sync and fits
    // in the run: a retry late in it is not refused by the run's end.
    let mut s = session(&run_ending_at("", 150_000.0));
    let Action::Send { .. } = s.poll(0.0) else {
        panic!("no send")
    };
    s.handle_response(10.0, Response::status(503, "")).unwrap();
    let Action::Wait { ms, .. } = s.poll(10.0) else {
        panic!("no wait")
    };
    assert!(matches!(s.poll(10.0 + ms as f64), Action::Send { .. }));
}

#[test]
fn the_longest_request_is_the_host_transports_whatever_the_timeout() {
    // UrlFetchApp stops at 60 s whether the timeout asks for 5 s or 300 s;
    // without a longest request of its own, a host keeps to the timeout.
    for (timeout, longest, need) in [
        (300_000.0, Some(60_000.0), 150_000.0),
        (5_000.0, Some(60_000.0), 150_000.0),
        (45_000.0, None, 135_000.0),
    ] {
        let mut config = run_ending_at(&format!(r#","requestTimeoutMs":{timeout}"#), need);
        config.host_run = config.host_run.map(|run| HostRun {
            longest_request_ms: longest,
            ..run
        });
        assert!(
            matches!(session(&config).poll(0.0), Action::Send { .. }),
            "{timeout} {longest:?}"
        );
        let Action::Failed(error) = session(&config).poll(1.0) else {
            panic!("sent with a millisecond too few")
        };
        let request = longest.unwrap_or(timeout) / 1000.0;
        assert!(
            error
                .message()
                .contains(&format!("one request of up to {request} s")),
            "{error}"
        );
    }
}

#[test]
fn a_host_run_that_is_not_a_finite_time_is_a_config_error() {
    for (ends_at_ms, longest_request_ms, field) in [
        (f64::NAN, None, "runEndsAtMs"),
        (f64::INFINITY, None, "runEndsAtMs"),
        (0.0, Some(-1.0), "longestRequestMs"),
        (0.0, Some(f64::NAN), "longestRequestMs"),
    ] {
        let config = SyncConfig {
            host_run: Some(HostRun {
                ends_at_ms,
                longest_request_ms,
            }),
            ..config("")
        };
        let error = SyncSession::from_json(&config, FILE.as_bytes().to_vec(), 42).unwrap_err();
        assert_eq!(
            error.kind(),
            &ErrorKind::InvalidConfig {
                field: field.into()
            }
        );
    }
}

#[test]
fn a_session_ends_within_its_longest_run_less_the_records_reserve() {
    let cases = [
        ("", None, 120_000.0),
        (
            r#","timeBudgetMs":1000,"requestTimeoutMs":5000"#,
            None,
            36_000.0,
        ),
        (r#","timeBudgetMs":1200000"#, None, 1_260_000.0),
        // UrlFetchApp takes up to 60 s whatever the timeout asks.
        (r#","requestTimeoutMs":5000"#, Some(60_000.0), 150_000.0),
        // A retry sent late in the budget overruns it by up to a request.
        (
            r#","timeBudgetMs":100000,"requestTimeoutMs":5000"#,
            Some(60_000.0),
            190_000.0,
        ),
    ];
    for (extra, transport_ms, longest) in cases {
        let mut config = config(extra);
        config.host_run = transport_ms.map(|ms| HostRun {
            ends_at_ms: f64::MAX,
            longest_request_ms: Some(ms),
        });
        let mut s = session(&config);
        assert_eq!(s.longest_run_ms(), longest, "{extra}");
        // Every request times out, as late as its transport lets it.
        let first_send = 5_000.0;
        let mut now = first_send;
        loop {
            match s.poll(now) {
                Action::Send { timeout_ms, .. } => {
                    now += transport_ms.unwrap_or(timeout_ms as f64);
                    s.handle_response(now, Response::Timeout).unwrap();
                }
                Action::Wait { ms, .. } => now += ms as f64,
                Action::Failed(_) | Action::Done(_) => break,
                Action::Confirm(_) => panic!("nothing to confirm"),
            }
        }
        let records = 30_000.0;
        assert!(
            now - first_send <= longest - records,
            "{extra}: ended after {} ms",
            now - first_send
        );
    }
}
