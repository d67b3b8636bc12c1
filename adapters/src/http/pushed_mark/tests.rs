use super::*;

const NOW: i64 = 1_000_000;

fn params(state: &str) -> AuthorizeParams {
    AuthorizeParams::from_pairs(
        [("client_id", "web"), ("scope", "openid"), ("state", state)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    )
}

fn marks(secret: &str) -> PushedMarks {
    PushedMarks::from_secret(&SecretString::from(secret.repeat(40)))
}

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

#[test]
fn only_pushed_parameters_get_a_mark_in_their_hidden_fields() {
    let m = marks("k");
    let front = params("s");
    assert_eq!(m.hidden_fields(&front, at(NOW)), front.pairs());
    let mut pushed = params("s");
    pushed.origin = ParamsOrigin::Pushed;
    let fields = m.hidden_fields(&pushed, at(NOW));
    assert_eq!(fields.len(), front.pairs().len() + 1);
    let (name, token) = fields.last().unwrap();
    assert_eq!(name, PUSHED_FIELD);
    assert_eq!(
        m.apply(params("s"), Some(token), at(NOW)).origin,
        ParamsOrigin::Pushed
    );
}

#[test]
fn a_mark_proves_pushed_only_for_its_parameters_key_and_time() {
    let m = marks("k");
    let token = m.issue(&params("s"), at(NOW));
    let origin = |m: &PushedMarks, p: AuthorizeParams, t: Option<&str>, now: i64| {
        m.apply(p, t, at(now)).origin
    };
    assert_eq!(
        origin(&m, params("s"), Some(&token), NOW),
        ParamsOrigin::Pushed
    );
    assert_eq!(
        origin(&m, params("s"), Some(&token), NOW + PUSHED_MARK_SECS - 1),
        ParamsOrigin::Pushed
    );
    let front = ParamsOrigin::FrontChannel;
    assert_eq!(
        origin(&m, params("changed"), Some(&token), NOW),
        front,
        "other parameters"
    );
    assert_eq!(
        origin(&marks("other"), params("s"), Some(&token), NOW),
        front,
        "other key"
    );
    assert_eq!(
        origin(&m, params("s"), Some(&token), NOW + PUSHED_MARK_SECS),
        front,
        "expired"
    );
    assert_eq!(origin(&m, params("s"), None, NOW), front);
    let (until, mac) = token.split_once('.').unwrap();
    let later = format!("{}.{mac}", until.parse::<i64>().unwrap() + 1000);
    assert_eq!(
        origin(&m, params("s"), Some(&later), NOW),
        front,
        "a moved expiry"
    );
    for bad in [
        "",
        ".",
        "x.y",
        &format!("{until}."),
        &format!("{until}.{mac}x"),
    ] {
        assert_eq!(origin(&m, params("s"), Some(bad), NOW), front, "{bad:?}");
    }
    // A claim of pushed origin from elsewhere is dropped without a mark.
    let mut claimed = params("s");
    claimed.origin = ParamsOrigin::Pushed;
    assert_eq!(origin(&m, claimed, None, NOW), front);
}
