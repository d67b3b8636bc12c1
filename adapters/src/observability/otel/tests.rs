use super::spans::operation_name;
use super::*;
use opentelemetry::trace::{Span as _, TraceContextExt, Tracer};

#[test]
fn the_endpoint_is_a_base_url_unless_it_names_the_traces_path() {
    let url = |s: &str| traces_url(&url::Url::parse(s).unwrap()).unwrap();
    assert_eq!(
        url("http://127.0.0.1:4318"),
        "http://127.0.0.1:4318/v1/traces"
    );
    assert_eq!(
        url("http://collector:4318/"),
        "http://collector:4318/v1/traces"
    );
    assert_eq!(
        url("https://gw.example/otlp/"),
        "https://gw.example/otlp/v1/traces"
    );
    assert_eq!(
        url("http://collector:4318/v1/traces"),
        "http://collector:4318/v1/traces"
    );
    assert!(traces_url(&url::Url::parse("ftp://x/").unwrap()).is_err());
}

#[test]
fn database_spans_are_named_table_dot_method() {
    let async_trait = "tessera_adapters::persistence::users::<impl tessera_application::ports::\
                       UserRepository for tessera_adapters::persistence::users::\
                       DieselUserRepository>::find_by_email::{{closure}}::__op";
    assert_eq!(operation_name(async_trait), "users.find_by_email");
    let inherent = "tessera_adapters::persistence::housekeeping::purge_expired::__op";
    assert_eq!(operation_name(inherent), "housekeeping.purge_expired");
    let closure = "tessera_adapters::persistence::clients::<impl tessera_application::ports::\
                   ClientRepository for tessera_adapters::persistence::clients::\
                   DieselClientRepository>::find::{{closure}}::{{closure}}";
    assert_eq!(operation_name(closure), "clients.find");
    let generic = "<tessera_adapters::persistence::clients::DieselClientRepository as \
                   tessera_application::ports::clients::ClientRepository>::find<'_, '_, '_>::\
                   {{closure}}::{{closure}}";
    assert_eq!(operation_name(generic), "clients.find");
    assert_eq!(operation_name("somewhere::else::f::__op"), "query");
    assert_eq!(operation_name(""), "query");
}

#[test]
fn the_marker_item_spells_its_method() {
    // What `with_connection!` relies on: an item's type name is its full path.
    fn __op() {}
    let name = std::any::type_name_of_val(&__op);
    assert!(
        name.ends_with("::the_marker_item_spells_its_method::__op"),
        "{name}"
    );
}

#[test]
fn outside_a_traced_request_hooks_make_no_span() {
    let span = db_span(DbSystem::Sqlite, "x::persistence::users::find::__op");
    assert!(!span.is_recording());
    assert!(span.trace_headers().is_empty());
    assert!(!password_span("password.verify").is_recording());
    assert!(!jws_span("jws.sign", "at+jwt").is_recording());
    record_client_id("nobody");
}

#[test]
fn inside_a_traced_request_child_spans_share_the_trace() {
    let provider = SdkTracerProvider::builder().build();
    let tracer = provider.tracer("test");
    ACTIVE.fetch_add(1, Ordering::Relaxed);
    let root = tracer.start("root");
    let trace_id = root.span_context().trace_id();
    let cx = Context::new()
        .with_span(root)
        .with_value(TracerHandle(tracer.clone()));
    let headers = {
        let _attached = cx.clone().attach();
        let span = client_span("GET", &url::Url::parse("http://127.0.0.1:1/x").unwrap());
        assert!(span.is_recording());
        assert!(db_span(DbSystem::Postgresql, "a::persistence::b::c::__op").is_recording());
        span.trace_headers()
    };
    ACTIVE.fetch_sub(1, Ordering::Relaxed);
    let traceparent = headers
        .iter()
        .find(|(name, _)| *name == "traceparent")
        .map(|(_, value)| value.clone())
        .unwrap();
    assert!(
        traceparent.starts_with(&format!("00-{trace_id}-")),
        "{traceparent}"
    );
    assert!(traceparent.ends_with("-01"), "{traceparent}");
}
