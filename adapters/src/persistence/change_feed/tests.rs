use super::*;
use tessera_domain::ClientId;

fn feed() -> (Arc<ClientCache>, ChangeFeed) {
    let clients = Arc::new(ClientCache::gated(Duration::from_secs(60)));
    (clients.clone(), ChangeFeed::new(clients))
}

#[test]
fn the_denylist_copy_answers_only_while_live() {
    let (_, feed) = feed();
    assert_eq!(
        feed.is_revoked("a"),
        None,
        "off before the first connection"
    );
    feed.go_live(vec![("a".into(), i64::MAX)]);
    assert_eq!(feed.is_revoked("a"), Some(true));
    assert_eq!(feed.is_revoked("b"), Some(false));
    feed.go_down();
    assert_eq!(feed.is_revoked("a"), None, "a lost feed answers nothing");
    feed.go_live(Vec::new());
    assert_eq!(
        feed.is_revoked("a"),
        Some(false),
        "going down emptied the copy; only the reload fills it again"
    );
}

#[test]
fn notifications_add_revocations_even_before_the_load_finishes() {
    let (_, feed) = feed();
    assert_eq!(feed.apply("r:99:during-load"), Applied::Done);
    feed.go_live(vec![("loaded".into(), 99)]);
    assert_eq!(feed.is_revoked("during-load"), Some(true));
    assert_eq!(feed.is_revoked("loaded"), Some(true));
    assert_eq!(feed.apply("r:99:grant:with:colons"), Applied::Done);
    assert_eq!(feed.is_revoked("grant:with:colons"), Some(true));
}

#[test]
fn unreadable_or_overlong_revocations_ask_for_a_reload() {
    let (_, feed) = feed();
    assert_eq!(feed.apply("r*"), Applied::Reload);
    assert_eq!(feed.apply("r:notanumber:x"), Applied::Reload);
    assert_eq!(feed.apply("r:nocolon"), Applied::Reload);
    assert_eq!(feed.apply("something else"), Applied::Done);
}

#[test]
fn own_revocations_count_at_once_while_live_only() {
    let (_, feed) = feed();
    feed.revoked("early", 10);
    feed.go_live(Vec::new());
    assert_eq!(feed.is_revoked("early"), Some(false));
    feed.revoked("mine", 10);
    assert_eq!(feed.is_revoked("mine"), Some(true));
}

#[test]
fn pruning_keeps_entries_until_well_past_their_expiry() {
    let (_, feed) = feed();
    feed.go_live(vec![("old".into(), 1_000), ("recent".into(), 1_900)]);
    feed.prune(1_000 + EXPIRED_GRACE_SECS + 1);
    assert_eq!(feed.is_revoked("old"), Some(false));
    assert_eq!(feed.is_revoked("recent"), Some(true));
}

#[test]
fn client_notifications_invalidate_the_cache_and_the_gate_follows_the_feed() {
    let (clients, feed) = feed();
    let id = ClientId::parse("svc").unwrap();
    let generation = match clients.get(&id) {
        Err(g) => g,
        Ok(_) => panic!("empty cache"),
    };
    clients.put(
        generation,
        &crate::persistence::client_cache::tests::client("s"),
    );
    assert!(
        clients.get(&id).is_err(),
        "a gated cache stores nothing before the feed is live"
    );

    feed.go_live(Vec::new());
    let generation = clients.get(&id).unwrap_err();
    clients.put(
        generation,
        &crate::persistence::client_cache::tests::client("s"),
    );
    assert!(clients.get(&id).is_ok(), "live: cached");

    assert_eq!(feed.apply("c:svc"), Applied::Done);
    assert!(
        clients.get(&id).is_err(),
        "a change notification drops the row"
    );

    let generation = clients.get(&id).unwrap_err();
    clients.put(
        generation,
        &crate::persistence::client_cache::tests::client("s"),
    );
    feed.apply("c*");
    assert!(clients.get(&id).is_err(), "c* drops every row");

    let generation = clients.get(&id).unwrap_err();
    feed.go_down();
    feed.go_live(Vec::new());
    clients.put(
        generation,
        &crate::persistence::client_cache::tests::client("s"),
    );
    assert!(
        clients.get(&id).is_err(),
        "a read begun before the feed came back is not stored"
    );
}
