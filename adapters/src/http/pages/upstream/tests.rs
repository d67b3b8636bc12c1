use super::*;

#[test]
fn problem_pages_say_why_and_escape_the_way_back() {
    let ui = Ui::default();
    let html = upstream_problem_page(
        &ui,
        UpstreamProblem::Unavailable,
        Some("/authorize?a=1&b=\"2\""),
    );
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("/authorize?a=1&amp;b=&quot;2&quot;"));
    assert!(
        !html.contains("upstream."),
        "every key is in the catalogue: {html}"
    );
    let html = upstream_problem_page(&ui, UpstreamProblem::NoAccount, None);
    assert!(!html.contains("<a "));
}

#[test]
fn the_proof_page_asks_for_the_password_with_a_labelled_field() {
    let ui = Ui::default();
    let view = LinkProof {
        provider: "Corp <SSO>",
        email: "a@b.example",
        csrf: "tok",
        action_url: "/upstream/link",
        cancel_url: "/authorize?x=1",
    };
    let html = link_proof_page(&ui, view, Some("Wrong"));
    assert!(html.contains("<label for=\"password\">"));
    assert!(html.contains("name=\"csrf_token\" value=\"tok\""));
    assert!(html.contains("Corp &lt;SSO&gt;"));
    assert!(html.contains("aria-describedby=\"password-error\""));
    assert!(!html.contains("upstream."));
}
