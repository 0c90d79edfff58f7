//! Where the spool cannot run (not a Unix system): a client with `spool_dir` set is refused,
//! so the log below is never made.

use super::{Location, Opened, Refused};
use crate::config::Config;
use crate::ClientError;
use rudder_group::WireEvent;
use std::sync::Arc;

/// No spool can be opened here.
pub(crate) enum Spool {}

impl Spool {
    pub fn open(config: &Config) -> Result<Opened, ClientError> {
        Err(ClientError::config(
            config.setting_name("spool_dir"),
            "the durable spool needs a Unix system (Linux, macOS, BSD)",
        ))
    }

    pub fn log(&self) -> Arc<Log> {
        match *self {}
    }
}

/// Never made: see [`Spool::open`].
pub(crate) enum Log {}

/// Never made.
pub(crate) enum MustSync {}

impl MustSync {
    pub fn sync(self) {
        match self {}
    }
}

impl Log {
    pub fn append(
        &self,
        _lane: u64,
        _message_id: &str,
        _wire: &WireEvent,
    ) -> Result<(Location, Option<MustSync>), Refused> {
        match *self {}
    }

    pub fn read(&self, _at: &Location) -> Result<(String, WireEvent), String> {
        match *self {}
    }

    pub fn done(&self, _finished: &[Location]) {
        match *self {}
    }

    pub fn bytes(&self) -> u64 {
        match *self {}
    }
}
