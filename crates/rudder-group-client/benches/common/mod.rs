//! What the client's benches share: the seed sample as an event.

use rudder_group::GroupEvent;
use serde_json::json;

/// The seed sample, from `user_id`.
pub fn seed_event(user_id: &str) -> GroupEvent {
    GroupEvent::builder("12345")
        .user_id(user_id)
        .name("MyGroup")
        .industry("IT")
        .employees(450)
        .plan("basic")
        .custom_trait("tier", json!(2))
        .build()
        .expect("valid")
}
