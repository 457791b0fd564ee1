//! Property tests of the sync session: whatever the server answers, in any
//! order, the session never panics, ends within the attempt limits, never
//! waits past its budget, and never lets the key out.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use stripe_torii_sync::sync::{
    Action, ApiKey, Response, SyncConfig, SyncOptions, SyncSession, UploadMode,
};

const KEY: &str = "prop-key-0123456789";

/// Answers a server might give: real shapes, broken shapes, echoes of the
/// key, odd statuses and transport failures.
fn response() -> impl Strategy<Value = Response> {
    let body = prop_oneof![
        Just(String::new()),
        Just(
            r#"{"uploadFileParameters":{"url":"https://s3.example/u","filePath":"p"}}"#.to_string()
        ),
        Just(r#"{"url":"http://evil.example/u","filePath":"p"}"#.to_string()),
        Just(r#"{"id":5}"#.to_string()),
        Just(r#"{"file":{"id":"x"}}"#.to_string()),
        Just(format!(r#"{{"message":"bad key {KEY}"}}"#)),
        Just("<Error><Message>expired</Message></Error>".to_string()),
        "\\PC{0,40}",
    ];
    let status = prop_oneof![
        Just(200u16),
        Just(201),
        Just(400),
        Just(401),
        Just(403),
        Just(404),
        Just(409),
        Just(422),
        Just(429),
        Just(500),
        Just(503),
        100u16..600,
    ];
    let retry_after = prop_oneof![
        Just(None),
        Just(Some("1".to_string())),
        Just(Some("999999".to_string())),
        Just(Some("Wed, 21 Oct 2015 07:28:00 GMT".to_string())),
        "\\PC{0,10}".prop_map(Some),
    ];
    prop_oneof![
        9 => (status, body, retry_after).prop_map(|(status, body, retry_after)| {
            let response = Response::status(status, body);
            match retry_after {
                Some(value) => response.with_header("Retry-After", &value),
                None => response,
            }
        }),
        1 => Just(Response::Transport(format!("reset by {KEY}"))),
        1 => Just(Response::Timeout),
    ]
}

proptest! {
    #[test]
    fn any_answers_end_the_session_safely(
        answers in proptest::collection::vec(response(), 1..40),
        direct in any::<bool>(),
        seed in any::<u64>(),
        request_ms in 0.0f64..40_000.0,
    ) {
        let config = SyncConfig {
            api_key: ApiKey::new(KEY),
            options: SyncOptions {
                app_account_id: Some("1".into()),
                mode: if direct { UploadMode::Direct } else { UploadMode::Presigned },
                ..Default::default()
            },
            ..Default::default()
        };
        let file = br#"{"users":[{"email":"a@b.co"}]}"#.to_vec();
        let mut session = SyncSession::from_json(&config, file, seed).unwrap();
        let mut answers = answers.into_iter().cycle();
        let start = 1_000_000.0;
        let mut now = start;
        let mut sent = 0;
        let mut longest_request = 0.0f64;
        let end = loop {
            match session.poll(now) {
                Action::Send { request, timeout_ms, .. } => {
                    sent += 1;
                    prop_assert!(sent <= 50, "too many requests");
                    prop_assert!(!request.url.contains(KEY));
                    // A host gives up on a request at its timeout.
                    let took = request_ms.min(timeout_ms as f64);
                    longest_request = longest_request.max(took);
                    now += took;
                    let answer = if request_ms >= timeout_ms as f64 {
                        Response::Timeout
                    } else {
                        answers.next().unwrap()
                    };
                    session.handle_response(now, answer).unwrap();
                }
                Action::Wait { ms, .. } => now += ms as f64,
                Action::Confirm(_) => prop_assert!(false, "no baseline, no confirmation"),
                end => break end,
            }
        };
        // The whole sync ends within its budget plus one request timeout.
        prop_assert!(now - start <= 60_000.0 + longest_request + 1.0, "took {} ms", now - start);
        match end {
            Action::Failed(error) => {
                prop_assert!(!error.message().contains(KEY), "{}", error.message());
                let debug = format!("{error:?}");
                prop_assert!(!debug.contains(KEY));
            }
            Action::Done(outcome) => {
                let debug = format!("{outcome:?}");
                prop_assert!(!debug.contains(KEY));
            }
            _ => unreachable!(),
        }
    }
}
