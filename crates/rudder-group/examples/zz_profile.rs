use rudder_group::serde_json::json;
use rudder_group::GroupEvent;
fn main() {
    let mut out = Vec::with_capacity(1024);
    let mut total = 0;
    for _ in 0..20000 {
        out.clear();
        let e = GroupEvent::builder("12345")
            .user_id("u-1001")
            .name("MyGroup")
            .industry("IT")
            .employees(450)
            .plan("basic")
            .custom_trait("region", json!("eu-west"))
            .custom_trait("tier", json!(2))
            .custom_trait("mrr", json!(1234.5))
            .custom_trait("active", json!(true))
            .custom_trait("seats", json!(120))
            .custom_trait("owner", json!("ops@acme.example"))
            .custom_trait("tags", json!(["b2b", "saas"]))
            .custom_trait("trial", json!(false))
            .custom_trait("source", json!("website"))
            .custom_trait("score", json!(87))
            .build()
            .unwrap();
        e.write_json(&mut out);
        total += out.len();
    }
    println!("{total}");
}
