//! Scopes (domain `Scope`, `ScopeSet`): no input panics; an accepted set prints canonically
//! and parses back to itself, holds only valid scope-tokens, and the set operations keep
//! their algebra (intersection within both, union around both, narrowing never widens, and an empty request grants all that is held).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_domain::{Scope, ScopeSet};

fuzz_target!(|data: &[u8]| {
    let (a, b) = tessera_fuzz::two_strings(data);
    let _ = Scope::parse(&a);
    let (Ok(left), right) = (ScopeSet::parse(&a), ScopeSet::parse(&b)) else {
        return;
    };
    let printed = left.to_string();
    assert_eq!(ScopeSet::parse(&printed).as_ref(), Ok(&left));
    for scope in left.iter() {
        assert_eq!(Scope::parse(scope.as_str()).as_ref(), Ok(scope));
        assert!(left.contains(scope.as_str()));
    }
    assert_eq!(left.is_empty(), printed.is_empty());
    let Ok(right) = right else {
        return;
    };
    let both = left.intersection(&right);
    let either = left.union(&right);
    assert!(both.is_subset_of(&left) && both.is_subset_of(&right));
    assert!(left.is_subset_of(&either) && right.is_subset_of(&either));
    // An empty request is no request: everything held is granted.
    match left.narrow_to(Some(&right)) {
        Ok(narrowed) if right.is_empty() => assert_eq!(narrowed, left),
        Ok(narrowed) => assert!(narrowed == right && right.is_subset_of(&left)),
        Err(_) => assert!(!right.is_subset_of(&left)),
    }
    assert_eq!(left.narrow_to(None).as_ref(), Ok(&left));
});
