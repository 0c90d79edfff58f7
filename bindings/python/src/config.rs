//! Client settings from Python keyword arguments: seconds as float, sizes and counts as int,
//! choices as str. Every value out of range is a `ConfigError` naming the keyword.

use crate::errors::config_error;
use crate::fields::event_options;
use pyo3::prelude::*;
use rudder_group_client::{Config, Overflow, RetryPolicy, Transport};
use std::time::Duration;

/// The keyword arguments of `Client(...)`; `None` keeps the core's default.
pub(crate) struct Settings<'a> {
    pub write_key: String,
    pub data_plane_url: String,
    pub flush_at: Option<i64>,
    pub flush_interval: Option<f64>,
    pub max_batch_bytes: Option<i64>,
    pub max_queue_events: Option<i64>,
    pub max_queue_bytes: Option<i64>,
    pub overflow: &'a str,
    pub block_timeout: f64,
    pub gzip: bool,
    pub gzip_level: Option<i64>,
    pub connect_timeout: Option<f64>,
    pub request_timeout: Option<f64>,
    pub retry_max_attempts: Option<i64>,
    pub retry_max_elapsed: Option<f64>,
    pub retry_initial_backoff: Option<f64>,
    pub retry_max_backoff: Option<f64>,
    pub proxy: Option<String>,
    pub validation: &'a str,
    pub max_event_bytes: i64,
    pub transport: &'a str,
    pub shutdown_timeout: Option<f64>,
}

/// A number of seconds as a duration; negative, NaN or infinite values are refused.
pub(crate) fn seconds(py: Python<'_>, setting: &str, value: f64) -> PyResult<Duration> {
    if !value.is_finite() || value < 0.0 {
        return Err(config_error(
            py,
            setting,
            format!("must be a finite number of seconds, at least 0, got {value}"),
        ));
    }
    Duration::try_from_secs_f64(value)
        .map_err(|e| config_error(py, setting, format!("{value} seconds: {e}")))
}

/// A count or size that must be at least `min`.
fn count(py: Python<'_>, setting: &str, value: i64, min: i64) -> PyResult<usize> {
    if value < min {
        return Err(config_error(
            py,
            setting,
            format!("must be at least {min}, got {value}"),
        ));
    }
    usize::try_from(value).map_err(|e| config_error(py, setting, e))
}

fn set_count(
    py: Python<'_>,
    slot: &mut usize,
    setting: &str,
    value: Option<i64>,
    min: i64,
) -> PyResult<()> {
    if let Some(v) = value {
        *slot = count(py, setting, v, min)?;
    }
    Ok(())
}

fn set_u32(
    py: Python<'_>,
    slot: &mut u32,
    setting: &str,
    value: Option<i64>,
    min: i64,
) -> PyResult<()> {
    if let Some(v) = value {
        *slot =
            u32::try_from(count(py, setting, v, min)?).map_err(|e| config_error(py, setting, e))?;
    }
    Ok(())
}

fn set_seconds(
    py: Python<'_>,
    slot: &mut Duration,
    setting: &str,
    value: Option<f64>,
) -> PyResult<()> {
    if let Some(v) = value {
        *slot = seconds(py, setting, v)?;
    }
    Ok(())
}

impl Settings<'_> {
    /// The core's `Config` (without the outcome callback, which the client adds).
    pub(crate) fn into_config(self, py: Python<'_>) -> PyResult<Config> {
        let mut c = Config::new(self.write_key, self.data_plane_url);
        set_count(py, &mut c.flush_at, "flush_at", self.flush_at, 1)?;
        set_seconds(
            py,
            &mut c.flush_interval,
            "flush_interval",
            self.flush_interval,
        )?;
        set_count(
            py,
            &mut c.max_batch_bytes,
            "max_batch_bytes",
            self.max_batch_bytes,
            1,
        )?;
        set_count(
            py,
            &mut c.max_queue_events,
            "max_queue_events",
            self.max_queue_events,
            1,
        )?;
        set_count(
            py,
            &mut c.max_queue_bytes,
            "max_queue_bytes",
            self.max_queue_bytes,
            1,
        )?;
        c.overflow = match self.overflow {
            "drop" => Overflow::DropNewest,
            "block" => Overflow::Block(seconds(py, "block_timeout", self.block_timeout)?),
            other => {
                return Err(config_error(
                    py,
                    "overflow",
                    format!("must be \"drop\" or \"block\", got {other:?}"),
                ))
            }
        };
        c.gzip = self.gzip;
        set_u32(py, &mut c.gzip_level, "gzip_level", self.gzip_level, 0)?;
        set_seconds(
            py,
            &mut c.connect_timeout,
            "connect_timeout",
            self.connect_timeout,
        )?;
        set_seconds(
            py,
            &mut c.request_timeout,
            "request_timeout",
            self.request_timeout,
        )?;
        let r: &mut RetryPolicy = &mut c.retry;
        set_u32(
            py,
            &mut r.max_attempts,
            "retry_max_attempts",
            self.retry_max_attempts,
            1,
        )?;
        set_seconds(
            py,
            &mut r.max_elapsed,
            "retry_max_elapsed",
            self.retry_max_elapsed,
        )?;
        set_seconds(
            py,
            &mut r.initial_backoff,
            "retry_initial_backoff",
            self.retry_initial_backoff,
        )?;
        set_seconds(
            py,
            &mut r.max_backoff,
            "retry_max_backoff",
            self.retry_max_backoff,
        )?;
        c.proxy = self.proxy;
        c.event_options = event_options(py, self.validation, self.max_event_bytes)?;
        c.transport = match self.transport {
            "http" => Transport::Http,
            "memory" => Transport::Memory,
            other => {
                return Err(config_error(
                    py,
                    "transport",
                    format!("must be \"http\" or \"memory\", got {other:?}"),
                ))
            }
        };
        set_seconds(
            py,
            &mut c.shutdown_timeout,
            "shutdown_timeout",
            self.shutdown_timeout,
        )?;
        Ok(c)
    }
}
