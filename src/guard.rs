//! The destructive-sync guard.
