//! Progress events: one typed event for every request and wait, with the
//! text every host shows, so no host words its own progress line, and what
//! it would mean for the app if the sync stopped there, so a host that
//! loses the session (a crashed worker) need not work it out.

use super::http::Step;
use crate::text::{tenths, to_tenths};

/// What the session is doing, for a progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// The step being sent, or about to be retried.
    pub step: Step,
    /// The step's 1-based position in this session's sequence.
    pub index: u32,
    /// The number of steps in the sequence (4 presigned, 2 direct).
    pub total: u32,
    /// The attempt being sent (or, while waiting, the one that follows).
    pub attempt: u32,
    /// For a wait, how long, in milliseconds.
    pub wait_ms: Option<u64>,
    /// A ready line for people: `[2/4] upload (attempt 2)`, or `waiting
    /// 1.5 s before retrying step 1/4 (upload URL) after HTTP 503`.
    pub text: String,
    /// Whether a request to start the sync has gone out, this one included:
    /// from then on, Torii may have started the sync.
    pub sync_sent: bool,
}

/// What stopping a sync means for the app before its start-sync request has
/// gone out, and once it has: the words of a cancel, an abandon and of
/// [`Progress::if_stopped`].
pub(crate) const NOTHING_SYNCED: &str =
    "nothing was synced, so the app's users in Torii are as they were";
pub(crate) const SYNC_MAY_HAVE_STARTED: &str = "a request to start the sync was sent, so Torii \
     may have started it; check the integration in Torii before syncing again";

/// [`NOTHING_SYNCED`] or [`SYNC_MAY_HAVE_STARTED`], by whether the request
/// to start the sync has gone out.
pub(crate) fn stop_consequence(sync_sent: bool) -> &'static str {
    if sync_sent {
        SYNC_MAY_HAVE_STARTED
    } else {
        NOTHING_SYNCED
    }
}

impl Progress {
    /// What stopping here would mean for the app's users in Torii, in the
    /// words a cancel here gives.
    pub fn if_stopped(&self) -> &'static str {
        stop_consequence(self.sync_sent)
    }

    pub(crate) fn sending(
        step: Step,
        (index, total): (u32, u32),
        attempt: u32,
        sync_sent: bool,
    ) -> Progress {
        let again = if attempt > 1 {
            format!(" (attempt {attempt})")
        } else {
            String::new()
        };
        Progress {
            step,
            index,
            total,
            attempt,
            wait_ms: None,
            text: format!("[{index}/{total}] {}{again}", step.label()),
            sync_sent,
        }
    }

    /// Step 1 sent again after the storage service refused the upload.
    pub(crate) fn restarting(
        step: Step,
        position: (u32, u32),
        why: &str,
        sync_sent: bool,
    ) -> Progress {
        let mut progress = Progress::sending(step, position, 1, sync_sent);
        progress.text = format!(
            "{} again: the upload was refused ({why}), so a fresh URL is asked for",
            progress.text
        );
        progress
    }

    pub(crate) fn waiting(
        step: Step,
        (index, total): (u32, u32),
        attempt: u32,
        ms: u64,
        after: &str,
        sync_sent: bool,
    ) -> Progress {
        Progress {
            step,
            index,
            total,
            attempt,
            wait_ms: Some(ms),
            text: format!(
                "waiting {} s before retrying step {index}/{total} ({}) after {after}",
                tenths(to_tenths(ms as f64 / 1000.0)),
                step.label()
            ),
            sync_sent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts() {
        assert_eq!(
            Progress::sending(Step::Upload, (2, 4), 1, false).text,
            "[2/4] upload"
        );
        assert_eq!(
            Progress::sending(Step::Sync, (4, 4), 3, true).text,
            "[4/4] start sync (attempt 3)"
        );
        let wait = Progress::waiting(Step::UploadUrl, (1, 4), 2, 1500, "HTTP 503", false);
        assert_eq!(
            wait.text,
            "waiting 1.5 s before retrying step 1/4 (upload URL) after HTTP 503"
        );
        assert_eq!(wait.wait_ms, Some(1500));
    }
}
