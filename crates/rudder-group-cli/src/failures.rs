//! Why events failed or were dropped: the client's outcomes counted by reason, for `send`'s
//! summary. A reason never shows the write key.

use rudder_group_client::{Outcome, OutcomeCallback, OutcomeKind};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The longest reason shown, in characters; an error page is cut there.
const MAX_REASON_CHARS: usize = 200;

/// Events that failed or were dropped, counted by kind and reason.
#[derive(Clone)]
pub struct Failures {
    write_key: String,
    counts: Arc<Mutex<BTreeMap<(&'static str, String), u64>>>,
}

impl Failures {
    /// An empty tally; `write_key` is hidden wherever a reason would show it.
    pub fn new(write_key: &str) -> Failures {
        Failures {
            write_key: write_key.to_owned(),
            counts: Arc::default(),
        }
    }

    /// The callback that counts each failed or dropped outcome.
    pub fn callback(&self) -> OutcomeCallback {
        let tally = self.clone();
        Arc::new(move |outcome: &Outcome| tally.record(outcome))
    }

    /// Counts one outcome (delivered ones are not counted).
    pub fn record(&self, outcome: &Outcome) {
        if outcome.kind == OutcomeKind::Delivered {
            return;
        }
        let reason = self.reason(outcome);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        *counts.entry((outcome.kind.as_str(), reason)).or_default() +=
            outcome.message_ids.len() as u64;
    }

    /// One line per kind and reason, e.g. `250 failed: 401 invalid write key`, most first.
    pub fn lines(&self) -> Vec<String> {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let mut rows: Vec<_> = counts.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        rows.into_iter()
            .map(|((kind, reason), n)| format!("{n} {kind}: {reason}"))
            .collect()
    }

    /// `STATUS BODY` when the data plane answered, else the client's own sentence; on one line,
    /// cut to [`MAX_REASON_CHARS`], the write key hidden.
    fn reason(&self, outcome: &Outcome) -> String {
        let text = match (outcome.status, outcome.body.as_deref().map(str::trim)) {
            (Some(status), Some(body)) if !body.is_empty() => format!("{status} {body}"),
            (Some(status), _) => format!("{status} (no body)"),
            (None, _) => outcome.reason.clone(),
        };
        let text = if self.write_key.trim().is_empty() {
            text
        } else {
            text.replace(&self.write_key, "<write key>")
        };
        let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match one_line.char_indices().nth(MAX_REASON_CHARS) {
            Some((cut, _)) => format!("{}…", &one_line[..cut]),
            None => one_line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(kind: OutcomeKind, n: usize, status: Option<u16>, body: &str) -> Outcome {
        Outcome {
            kind,
            message_ids: (0..n).map(|i| i.to_string()).collect(),
            status,
            body: Some(body.to_owned()).filter(|b| !b.is_empty()),
            reason: "connection refused".to_owned(),
            attempts: 1,
        }
    }

    #[test]
    fn counts_events_by_reason_most_first() {
        let f = Failures::new("secret-key");
        f.record(&outcome(
            OutcomeKind::Failed,
            100,
            Some(401),
            "invalid write key\n",
        ));
        f.record(&outcome(OutcomeKind::Delivered, 7, Some(200), "OK"));
        f.record(&outcome(
            OutcomeKind::Failed,
            150,
            Some(401),
            "invalid write key",
        ));
        f.record(&outcome(OutcomeKind::Failed, 3, None, ""));
        f.record(&outcome(OutcomeKind::Dropped, 1, Some(400), ""));
        assert_eq!(
            f.lines(),
            [
                "250 failed: 401 invalid write key",
                "3 failed: connection refused",
                "1 dropped: 400 (no body)",
            ]
        );
    }

    #[test]
    fn never_shows_the_write_key_and_stays_short() {
        let f = Failures::new("secret-key");
        let long = format!("bad key secret-key {}", "x".repeat(1000));
        f.record(&outcome(OutcomeKind::Failed, 1, Some(400), &long));
        let line = &f.lines()[0];
        assert!(!line.contains("secret-key"), "{line}");
        assert!(line.contains("<write key>"), "{line}");
        assert!(line.chars().count() < MAX_REASON_CHARS + 20, "{line}");
    }
}
