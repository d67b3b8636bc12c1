use super::*;

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn known_parameters_fill_their_fields_and_the_rest_is_kept() {
    let p = AuthorizeParams::from_pairs(pairs(&[
        ("client_id", "c"),
        ("max_age", "5"),
        ("zeta", "z"),
        ("scope", ""),
    ]));
    assert_eq!(p.client_id.as_deref(), Some("c"));
    assert_eq!(p.max_age.as_deref(), Some("5"));
    assert_eq!(p.scope, None, "empty values count as absent");
    assert_eq!(p.other.get("zeta").map(String::as_str), Some("z"));
}

#[test]
fn pairs_give_back_every_parameter_sorted_by_name() {
    let sent = pairs(&[
        ("state", "s"),
        ("zeta", "z"),
        ("client_id", "c"),
        ("a", "1"),
    ]);
    let p = AuthorizeParams::from_pairs(sent);
    assert_eq!(
        p.pairs(),
        pairs(&[
            ("a", "1"),
            ("client_id", "c"),
            ("state", "s"),
            ("zeta", "z")
        ])
    );
}
