//! Judging responses: what an answer to a step means for the session
//! (go on, retry, start over from a fresh upload URL, or fail), and the
//! error a person reads when the session gives up.

use super::body;
use super::config::ApiKey;
use super::http::{self, Response, Step};
use super::policy;
use crate::error::{Error, ErrorKind};
use crate::text::tenths;

/// How long to wait before a retry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Delay {
    /// Exponential backoff with jitter from this base, in milliseconds.
    Backoff(f64),
    /// Exactly this long (a server's `Retry-After`).
    Exact(f64),
}

/// Why a step is being retried, which decides the error once retries run out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RetryCause {
    Status(u16),
    Transport,
    Timeout,
    Conflict,
}

/// How one response moves the session.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// A 2xx: go on, reading this body.
    Advance(String),
    /// Try the step again after the delay.
    Retry {
        delay: Delay,
        why: String,
        cause: RetryCause,
    },
    /// The storage refused the upload (an expired URL) with this status:
    /// start over.
    RestartFromUploadUrl { status: u16, why: String },
    /// Give up.
    Fail(Error),
}

/// Judges `response` to `step`. `at` names the step for messages ("step
/// 2/4 (upload)"); every text from the server passes through `key` to
/// redact the API key should the server echo it. `wall_ms` is the host's
/// clock as given, which an HTTP-date `Retry-After` is read against.
pub(crate) fn judge(
    step: Step,
    response: Response,
    at: &str,
    key: &ApiKey,
    request_timeout_ms: f64,
    wall_ms: f64,
) -> Verdict {
    let (status, headers, body) = match response {
        Response::Http {
            status,
            headers,
            body,
        } => (status, headers, body),
        // A host whose transport has its own deadline (UrlFetchApp's, which
        // no option sets) tells it only in the error's text.
        Response::Transport(detail) if http::is_timeout(&detail) => {
            return Verdict::Retry {
                delay: Delay::Backoff(policy::SERVER_ERROR_BASE_DELAY_MS),
                why: format!("no complete answer in time ({})", key.redact(&detail)),
                cause: RetryCause::Timeout,
            }
        }
        Response::Transport(detail) => {
            return Verdict::Retry {
                delay: Delay::Backoff(policy::SERVER_ERROR_BASE_DELAY_MS),
                why: format!("no response ({})", key.redact(&detail)),
                cause: RetryCause::Transport,
            }
        }
        // A quota of the host's: another attempt would be refused too.
        Response::HostLimit(detail) => {
            return Verdict::Fail(Error::new(
                ErrorKind::HostLimit,
                format!("{at} could not be sent: {detail}"),
            ))
        }
        Response::Timeout => {
            return Verdict::Retry {
                delay: Delay::Backoff(policy::SERVER_ERROR_BASE_DELAY_MS),
                why: format!(
                    "no complete answer within {} s",
                    tenths((request_timeout_ms / 100.0).round() as u64)
                ),
                cause: RetryCause::Timeout,
            }
        }
    };
    let sent = status;
    let status = if (200..300).contains(&status) {
        match body::embedded_error_status(&body) {
            Some(embedded) => embedded,
            None => return Verdict::Advance(body),
        }
    } else {
        status
    };
    let detail = body::error_message(&body, key);
    let http = if sent == status {
        format!("HTTP {status}")
    } else {
        format!("HTTP {sent} with error {status} in its body")
    };
    let described = match &detail {
        Some(message) => format!("{http}: {message}"),
        None => http,
    };
    // Every Retry-After entry, joined as a fetch host joins repeated
    // headers, so a host that hands them over one by one reads the same.
    let values: Vec<&str> = headers
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
        .map(|(_, value)| value.as_str())
        .collect();
    let retry_after = (!values.is_empty()).then(|| values.join(", "));
    match (step, status) {
        // A 503 may say when to come back (RFC 9110), and it is honoured
        // on any server error that says so.
        (_, 500 | 502 | 503 | 504) => Verdict::Retry {
            delay: retry_after
                .as_deref()
                .and_then(|v| policy::retry_after_ms(v, wall_ms))
                .map_or(
                    Delay::Backoff(policy::SERVER_ERROR_BASE_DELAY_MS),
                    Delay::Exact,
                ),
            why: described,
            cause: RetryCause::Status(status),
        },
        (_, 429) => Verdict::Retry {
            delay: match retry_after
                .as_deref()
                .and_then(|v| policy::retry_after_ms(v, wall_ms))
            {
                Some(ms) => Delay::Exact(ms),
                None if retry_after.is_some() => Delay::Backoff(policy::SERVER_ERROR_BASE_DELAY_MS),
                None => Delay::Exact(policy::DEFAULT_RETRY_AFTER_MS),
            },
            why: described,
            cause: RetryCause::Status(status),
        },
        (Step::Upload, 400 | 403) => Verdict::RestartFromUploadUrl {
            status,
            why: described,
        },
        (Step::Sync, 409) => Verdict::Retry {
            delay: Delay::Backoff(policy::CONFLICT_BASE_DELAY_MS),
            why: described,
            cause: RetryCause::Conflict,
        },
        (_, 401 | 403) if step.is_torii() => Verdict::Fail(Error::new(
            ErrorKind::Unauthorized,
            format!(
                "Torii rejected the API key ({described}) at {at}. Check the key under \
                 Settings → API Access in Torii; keys can expire"
            ),
        )),
        (_, 400 | 422) if step.is_torii() => Verdict::Fail(Error::new(
            ErrorKind::Rejected { status },
            format!(
                "Torii refused {at}: {}",
                detail.unwrap_or_else(|| format!("HTTP {status} with no message"))
            ),
        )),
        _ => {
            let hint = match status {
                404 if step == Step::Sync => "; check the App Account ID",
                // A redirect is never followed (an upload would leave its
                // signed URL); a browser shows one only as status 0.
                300..=399 if step.is_torii() => {
                    "; it is a redirect, which is never followed: check the API URL"
                }
                300..=399 => "; it is a redirect, which is never followed",
                0 if step.is_torii() => {
                    "; in a browser this is a redirect, which is never followed: check the \
                     API URL"
                }
                0 => "; in a browser this is a redirect, which is never followed",
                _ => "",
            };
            Verdict::Fail(Error::new(
                ErrorKind::UnexpectedStatus { step, status },
                format!("unexpected answer at {at}: {described}{hint}"),
            ))
        }
    }
}

/// The error when a step has used up its attempts. `storage` is the
/// origin of the upload URL, for the upload step: it is not the API URL.
pub(crate) fn exhausted(
    step: Step,
    at: &str,
    attempts: u32,
    cause: RetryCause,
    why: &str,
    storage: Option<&str>,
) -> Error {
    match cause {
        RetryCause::Conflict => Error::new(
            ErrorKind::SyncConflict,
            format!(
                "another sync is already running for this app account (Torii answered 409 \
                 {attempts} times); try again when it has finished"
            ),
        ),
        RetryCause::Status(status) => Error::new(
            ErrorKind::RetriesExhausted {
                step,
                last_status: status,
            },
            format!("{at} failed {attempts} times; the last answer: {why}"),
        ),
        RetryCause::Timeout => Error::new(
            ErrorKind::Timeout { step },
            format!(
                "{at} timed out {attempts} times ({why}); Torii or the network is not \
                 answering, try again later"
            ),
        ),
        // In a browser this is also what a blocked cross-origin request
        // looks like, so say so. The upload goes to the storage Torii names,
        // which the person did not configure: the API URL worked at step 1.
        RetryCause::Transport if step == Step::Upload => Error::new(
            ErrorKind::Network { step },
            format!(
                "could not reach the server at {at} after {attempts} attempts: {why}. Check the \
                 network to Torii's file storage ({}), the upload URL Torii gave; from a web \
                 page, the browser may also have blocked the upload, if that storage does not \
                 allow calls from web pages",
                storage.unwrap_or("its address was not readable")
            ),
        ),
        RetryCause::Transport => Error::new(
            ErrorKind::Network { step },
            format!(
                "could not reach the server at {at} after {attempts} attempts: {why}. Check the \
                 network and the API URL (from a web page, the browser may also have blocked the \
                 request, if Torii does not allow calls from web pages)"
            ),
        ),
    }
}

/// The error when the time budget leaves no room for the next request or
/// for a retry's `wait`.
pub(crate) fn out_of_time(
    step: Step,
    at: &str,
    budget_ms: f64,
    wait_ms: Option<f64>,
    last: Option<&str>,
) -> Error {
    let seconds = |ms: f64| tenths((ms / 100.0).ceil() as u64);
    let what = match wait_ms {
        Some(wait) => format!(
            "the next retry would wait {} s, beyond the sync's time budget of {} s",
            seconds(wait),
            seconds(budget_ms)
        ),
        None => format!(
            "the sync's time budget of {} s is used up",
            seconds(budget_ms)
        ),
    };
    let last = match last {
        Some(why) => format!("; the last answer: {why}"),
        None => String::new(),
    };
    Error::new(
        ErrorKind::BudgetExceeded { step },
        format!("gave up at {at}: {what}{last}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(step: Step, response: Response) -> Verdict {
        judge(
            step,
            response,
            "step 1/4 (upload URL)",
            &ApiKey::new("k3y"),
            30_000.0,
            0.0,
        )
    }

    #[test]
    fn a_transport_error_naming_a_deadline_is_retried_as_a_timeout() {
        let text = "Exception: Timeout: https://api.toriihq.com/v1.0/files/url";
        match judged(Step::UploadUrl, Response::Transport(text.into())) {
            Verdict::Retry { why, cause, .. } => {
                assert_eq!(cause, RetryCause::Timeout);
                assert_eq!(why, format!("no complete answer in time ({text})"));
            }
            other => panic!("{other:?}"),
        }
        match judged(Step::UploadUrl, Response::Transport("DNS error".into())) {
            Verdict::Retry { cause, .. } => assert_eq!(cause, RetryCause::Transport),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_host_limit_fails_at_once() {
        match judged(
            Step::UploadUrl,
            Response::HostLimit("the quota is used up".into()),
        ) {
            Verdict::Fail(e) => {
                assert_eq!(e.code(), "host_limit");
                assert!(
                    e.message()
                        .contains("could not be sent: the quota is used up"),
                    "{e}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_redirect_is_named_as_one() {
        for (status, hint) in [
            (302, "it is a redirect"),
            (0, "in a browser this is a redirect"),
        ] {
            match judged(Step::UploadUrl, Response::status(status, "")) {
                Verdict::Fail(e) => {
                    assert_eq!(e.code(), "unexpected_status");
                    assert!(e.message().contains(hint), "{e}");
                    assert!(e.message().contains("never followed"), "{e}");
                }
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_retry_after_in_the_past_backs_off() {
        let past =
            Response::status(429, "").with_header("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT");
        let now = 1_800_000_000_000.0;
        match judge(
            Step::UploadUrl,
            past,
            "step 1/4",
            &ApiKey::new("k"),
            30_000.0,
            now,
        ) {
            Verdict::Retry { delay, .. } => {
                assert_eq!(delay, Delay::Backoff(policy::SERVER_ERROR_BASE_DELAY_MS))
            }
            other => panic!("{other:?}"),
        }
        match judged(Step::UploadUrl, Response::status(429, "")) {
            Verdict::Retry { delay, .. } => {
                assert_eq!(delay, Delay::Exact(policy::DEFAULT_RETRY_AFTER_MS))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn timeouts_say_so() {
        match judged(Step::Register, Response::Timeout) {
            Verdict::Retry { why, cause, .. } => {
                assert_eq!(cause, RetryCause::Timeout);
                assert!(why.contains("30 s"), "{why}");
            }
            other => panic!("{other:?}"),
        }
        let e = exhausted(
            Step::Register,
            "step 3/4 (register file)",
            5,
            RetryCause::Timeout,
            "x",
            None,
        );
        assert_eq!(e.code(), "timeout");
        assert!(e.message().contains("step 3/4 (register file) timed out"));
    }

    #[test]
    fn an_upload_out_of_reach_names_the_storage_not_the_api_url() {
        let e = exhausted(
            Step::Upload,
            "step 2/4 (upload)",
            5,
            RetryCause::Transport,
            "no response",
            Some("https://bucket.s3.amazonaws.com"),
        );
        assert_eq!(e.code(), "network");
        assert!(e
            .message()
            .contains("Torii's file storage (https://bucket.s3.amazonaws.com)"));
        assert!(!e.message().contains("API URL"), "{}", e.message());
    }

    #[test]
    fn echoed_keys_are_redacted() {
        match judged(
            Step::UploadUrl,
            Response::status(400, r#"{"message":"bad key k3y"}"#),
        ) {
            Verdict::Fail(e) => assert!(!e.message().contains("k3y")),
            other => panic!("{other:?}"),
        }
    }
}
