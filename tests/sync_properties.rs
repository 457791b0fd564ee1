//! Property tests of the sync session: whatever the server answers, in any
//! order, the session never panics, ends within the attempt limits, never
//! waits past its budget, and never lets the key out.
#![cfg(not(target_arch = "wasm32"))]

use proptest::prelude::*;
use stripe_torii_sync::sync::{Action, Response, SyncConfig, SyncSession};

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
    ]
}

proptest! {
    #[test]
    fn any_answers_end_the_session_safely(
        answers in proptest::collection::vec(response(), 1..40),
        direct in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let config: SyncConfig = serde_json::from_value(serde_json::json!({
            "apiKey": KEY,
            "appAccountId": "1",
            "mode": if direct { "direct" } else { "presigned" },
        })).unwrap();
        let mut session = SyncSession::new(&config, r#"{"users":[{"email":"a@b.co"}]}"#, seed).unwrap();
        let mut answers = answers.into_iter().cycle();
        let mut now = 0.0;
        let mut waited = 0u64;
        let mut sent = 0;
        let end = loop {
            match session.poll(now) {
                Action::Send(request) => {
                    sent += 1;
                    prop_assert!(sent <= 50, "too many requests");
                    prop_assert!(!request.url.contains(KEY));
                    session.handle_response(now, answers.next().unwrap()).unwrap();
                    now += 1.0;
                }
                Action::Wait { ms, .. } => {
                    waited += ms;
                    now += ms as f64;
                }
                end => break end,
            }
        };
        prop_assert!(waited <= 60_000, "waited {} ms", waited);
        match end {
            Action::Failed(error) => {
                prop_assert!(!error.message().contains(KEY), "{}", error.message());
                let debug = format!("{error:?}");
                prop_assert!(!debug.contains(KEY));
            }
            Action::Done(outcome) => {
                prop_assert!(!serde_json::to_string(&outcome).unwrap().contains(KEY));
            }
            _ => unreachable!(),
        }
    }
}
