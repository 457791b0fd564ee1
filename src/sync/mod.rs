//! The upload/sync request sequence as a sans-IO state machine.
