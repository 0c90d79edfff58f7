//! [`Interrupt`]: a check that the client's long waits (`flush`, `close`, a blocking `group`) run
//! between slices, so that a binding can let a signal through (Python's Ctrl-C) while the caller's
//! thread waits in native code.

use crate::state::{Shared, State};
use std::sync::MutexGuard;
use std::time::{Duration, Instant};

/// A check run at most every `every` while a call waits, with none of the client's locks held:
/// `Err` ends the wait at once with that error, and nothing is lost (queued events stay queued).
pub struct Interrupt<'a, E> {
    every: Duration,
    next: Instant,
    check: &'a mut dyn FnMut() -> Result<(), E>,
}

impl<'a, E> Interrupt<'a, E> {
    /// Runs `check` every `every` (at least a millisecond) while a call waits.
    pub fn new(every: Duration, check: &'a mut dyn FnMut() -> Result<(), E>) -> Self {
        let every = every.max(Duration::from_millis(1));
        Interrupt {
            every,
            next: Instant::now() + every,
            check,
        }
    }

    fn poll(&mut self) -> Result<(), E> {
        let now = Instant::now();
        if now < self.next {
            return Ok(());
        }
        self.next = now + self.every;
        (self.check)()
    }
}

/// Waits once on `progress` until `deadline` (`None`: without a limit), at most one slice of
/// the interrupt's when there is one; then runs its check with the lock released.
pub(crate) fn wait_progress<'s, E>(
    shared: &'s Shared,
    st: MutexGuard<'s, State>,
    deadline: Option<Instant>,
    interrupt: &mut Option<&mut Interrupt<'_, E>>,
) -> Result<MutexGuard<'s, State>, E> {
    let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
    let slice = match (left, interrupt.as_deref()) {
        (left, Some(i)) => Some(left.map_or(i.every, |l| l.min(i.every))),
        (left, None) => left,
    };
    let st = shared.wait_on_progress(st, slice);
    let Some(i) = interrupt.as_deref_mut() else {
        return Ok(st);
    };
    drop(st);
    i.poll()?;
    Ok(shared.lock())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_runs_at_most_once_per_slice() {
        let mut calls = 0;
        let mut check = || -> Result<(), ()> {
            calls += 1;
            Ok(())
        };
        {
            let mut i = Interrupt::new(Duration::from_secs(3600), &mut check);
            for _ in 0..10 {
                i.poll().unwrap();
            }
            i.next = Instant::now();
            i.poll().unwrap();
            i.poll().unwrap();
        }
        assert_eq!(calls, 1);
    }
}
