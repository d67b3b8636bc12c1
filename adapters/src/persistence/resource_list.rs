//! The resources (RFC 8707) of a code, refresh token or consent, stored as one TEXT column:
//! identifiers separated by single spaces (an identifier holds no space: it is parsed as
//! visible ASCII only), empty for none.

use tessera_domain::{ResourceError, ResourceIdentifier};

/// The column value for `resources`.
pub(crate) fn encode_resources(resources: &[ResourceIdentifier]) -> String {
    resources
        .iter()
        .map(ResourceIdentifier::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The identifiers a `resources` column holds, each parsed again.
pub(crate) fn decode_resources(column: &str) -> Result<Vec<ResourceIdentifier>, ResourceError> {
    column
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(ResourceIdentifier::parse)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let ids = vec![
            ResourceIdentifier::parse("https://a.example/mcp").unwrap(),
            ResourceIdentifier::parse("urn:x:y").unwrap(),
        ];
        assert_eq!(decode_resources(&encode_resources(&ids)).unwrap(), ids);
        assert_eq!(decode_resources("").unwrap(), vec![]);
        assert!(decode_resources("not-a-uri").is_err());
    }
}
