use super::*;
use serde_json::json;

fn sample(evil: &str) -> Value {
    json!({
        "openapi": "3.1.0",
        "info": {"title": evil, "version": evil, "description": evil},
        "tags": [{"name": evil, "description": evil}],
        "paths": {
            evil: {"post": {
                "tags": [evil], "summary": evil, "description": evil,
                "security": [{evil: []}],
                "parameters": [{"name": evil, "in": "query", "required": true}],
                "requestBody": {"content": {evil: {"schema": {"$ref": format!("#/components/schemas/{evil}")}}}},
                "responses": {"200": {"description": evil, "content": {"text/plain": {"schema": {"type": "string"}}}}}
            }},
            "/untagged": {"get": {"responses": {}}}
        }
    })
}

#[test]
fn docs_page_escapes_everything_and_needs_no_script_or_style() {
    let page = api_docs_page(&sample("<script>x</script>\"'"));
    assert!(!page.contains("<script"), "{page}");
    assert!(page.contains("&lt;script&gt;x&lt;/script&gt;&quot;&#x27;"));
    assert!(!page.contains("style=\""));
    assert!(!page.contains("src="));
    assert!(page.contains("<h3><strong>GET /untagged</strong></h3>"));
    assert!(page.contains("<h2>default</h2>"));
    assert!(page.contains("200 "));
    assert!(page.contains("text/plain: string"));
}
