use super::*;
use crate::SigningAlgorithm;

#[test]
fn at_hash_matches_the_oidc_example() {
    // OIDC Core A.3: access token "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", RS256.
    assert_eq!(
        half_hash(
            SigningAlgorithm::Rs256,
            "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y"
        ),
        "77QmUPtjPfzWtF2AnpK9RQ"
    );
    assert_eq!(half_hash(SigningAlgorithm::EdDsa, "x").len(), 43);
}
