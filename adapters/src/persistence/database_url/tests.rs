use super::*;

#[test]
fn urls_pick_the_backend() {
    let r = Redactor::default();
    assert!(matches!(
        parse_url("sqlite://data/t.db", &r),
        Ok(Target::Sqlite(p)) if p == "data/t.db"
    ));
    assert!(matches!(
        parse_url("sqlite:///var/lib/t.db", &r),
        Ok(Target::Sqlite(p)) if p == "/var/lib/t.db"
    ));
    assert!(matches!(
        parse_url("postgresql://u@h/db", &r),
        Ok(Target::Postgres(_))
    ));
    for bad in [
        "mysql://u@h/db",
        "sqlite://",
        "sqlite://:memory:",
        "t.db",
        "",
    ] {
        assert!(
            matches!(parse_url(bad, &r), Err(DatabaseError::UnsupportedUrl)),
            "{bad}"
        );
    }
}

#[test]
fn passwords_are_scrubbed_from_messages() {
    let r = Redactor::for_url("postgres://tessera:s%40cret@db:5432/t?password=other");
    let msg = r.scrub("auth failed for s%40cret / s@cret / other");
    assert_eq!(msg, "auth failed for *** / *** / ***");
    assert_eq!(Redactor::for_url("postgres://u@h/db").scrub("u@h"), "u@h");
}
