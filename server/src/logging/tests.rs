use super::*;

fn json_line(record: &log::Record<'_>, current: Option<&str>) -> String {
    let mut out = Vec::new();
    write_json_line(&mut out, &"1", record, current).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.ends_with("}\n") && text.matches('\n').count() == 1,
        "{text}"
    );
    text
}

fn line(record: &log::Record<'_>, current: Option<&str>) -> serde_json::Value {
    serde_json::from_str(&json_line(record, current)).unwrap()
}

#[test]
fn key_values_become_fields_and_core_fields_come_first() {
    let kvs: [(&str, Value<'_>); 6] = [
        ("method", Value::from("GET")),
        ("status", Value::from(200u16)),
        ("latency_ms", Value::from(1.23456f64)),
        ("request_id", Value::from("abc-123")),
        ("msg", Value::from("forged")),
        ("odd", Value::from("a\"b\\c\nd\u{1}")),
    ];
    let record = log::Record::builder()
        .args(format_args!("GET /token 200 \"quoted\"\n\u{7f}"))
        .level(log::Level::Info)
        .target("tessera::access")
        .key_values(&kvs)
        .build();
    let text = json_line(&record, Some("other"));
    assert!(text.starts_with(r#"{"ts":"1","level":"INFO","target":"tessera::access","msg""#));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["msg"], "GET /token 200 \"quoted\"\n\u{7f}",
        "a key-value cannot forge the message"
    );
    assert_eq!(v["method"], "GET");
    assert_eq!(v["status"], 200);
    assert_eq!(v["latency_ms"], 1.235);
    assert_eq!(v["odd"], "a\"b\\c\nd\u{1}");
    assert_eq!(v["request_id"], "abc-123", "the record's own id wins");
}

#[test]
fn lines_inside_a_request_carry_its_id() {
    let record = log::Record::builder()
        .args(format_args!("user signed in"))
        .level(log::Level::Info)
        .target("tessera")
        .build();
    assert_eq!(line(&record, Some("rid-9"))["request_id"], "rid-9");
    assert!(line(&record, None).get("request_id").is_none());
}
