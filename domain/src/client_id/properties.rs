//! Property tests of client identifiers: unreserved ids of 1 to 128 characters round-trip,
//! anything else of that shape is refused, user-id shapes never pass, metadata-document URLs
//! keep their host, and no input panics (the same properties as the `client_id` fuzz target).

use super::*;
use proptest::prelude::*;

proptest! {
    /// Unreserved characters, 1 to 128 of them, are an id kept verbatim (unless shaped like a
    /// user id); the id has no URL host.
    #[test]
    fn unreserved_ids_round_trip(s in "[A-Za-z0-9._~-]{1,128}") {
        prop_assume!(crate::user::UserId::parse(&s).is_err());
        let id = ClientId::parse(&s);
        prop_assert!(id.is_ok(), "{s}");
        if let Ok(id) = id {
            prop_assert_eq!(id.as_str(), s.as_str());
            prop_assert_eq!(ClientId::parse(id.as_str()), Ok(id.clone()));
            prop_assert!(!id.is_metadata_document_url());
            prop_assert_eq!(id.url_host(), None);
        }
    }

    /// Longer than 128 characters is `Length`; any reserved or non-ASCII character is
    /// `Charset`.
    #[test]
    fn length_and_charset_are_enforced(
        long in "[A-Za-z0-9._~-]{129,200}",
        pre in "[A-Za-z0-9]{0,10}",
        bad in "[^A-Za-z0-9._~-]",
        post in "[A-Za-z0-9]{0,10}",
    ) {
        prop_assert_eq!(ClientId::parse(&long), Err(ClientIdError::Length));
        let s = format!("{pre}{bad}{post}");
        prop_assume!(!s.starts_with("http://") && !s.starts_with("https://"));
        prop_assert_eq!(ClientId::parse(&s), Err(ClientIdError::Charset));
    }

    /// A user id's shape is never a client id (RFC 9700 §4.15).
    #[test]
    fn user_id_shapes_are_refused(bytes in any::<[u8; 16]>()) {
        let uuid = bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
        let (a, rest) = uuid.split_at(8);
        let (b, rest) = rest.split_at(4);
        let (c, rest) = rest.split_at(4);
        let (d, e) = rest.split_at(4);
        let shaped = format!("{a}-{b}-{c}-{d}-{e}");
        if crate::user::UserId::parse(&shaped).is_ok() {
            prop_assert_eq!(ClientId::parse(&shaped), Err(ClientIdError::LooksLikeUserId));
        }
    }

    /// An https metadata-document URL with a host and a path is an id whose host is shown.
    #[test]
    fn metadata_document_urls_keep_their_host(
        host in "[a-z]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-z]{2,5}){1,2}",
        path in "(/[a-zA-Z0-9_-]{1,8}){1,4}",
    ) {
        let s = format!("https://{host}{path}");
        let id = ClientId::parse(&s);
        prop_assert!(id.is_ok(), "{s}: {id:?}");
        if let Ok(id) = id {
            prop_assert!(id.is_metadata_document_url());
            prop_assert_eq!(id.url_host(), Some(host.as_str()));
        }
    }

    /// No input panics; whatever is accepted parses again to itself.
    #[test]
    fn parse_never_panics(s in any::<String>(), url in "https?://\\PC{0,40}") {
        for s in [s, url] {
            if let Ok(id) = ClientId::parse(&s) {
                prop_assert_eq!(ClientId::parse(id.as_str()), Ok(id.clone()));
                prop_assert_eq!(id.as_str(), s.as_str());
            }
        }
    }
}
