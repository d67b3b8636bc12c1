//! The language of the request being handled, for texts made away from the page code: the
//! mails a request causes are written by the mailer, deep below the handler, and in a task
//! the handler may have spawned.

use super::Locale;
use std::future::Future;

tokio::task_local! {
    static CURRENT: Locale;
}

/// Runs `fut` with `locale` as the current language.
pub fn with_locale<F: Future>(locale: Locale, fut: F) -> impl Future<Output = F::Output> {
    CURRENT.scope(locale, fut)
}

/// The language of the request on this task; English outside any request.
pub fn current_locale() -> Locale {
    CURRENT.try_with(|l| *l).unwrap_or_default()
}
