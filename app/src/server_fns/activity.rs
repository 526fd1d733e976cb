//! The organization's audit log, filtered and paged.

use leptos::prelude::*;

use crate::activity::ActivitySlice;
use crate::error::AppError;

/// The organization's audit entries matching the filters, newest first, a page at a time.
#[server(endpoint = "list_activity")]
pub async fn list_activity(
    user: Option<String>,
    action: Option<String>,
    target: Option<String>,
    from: Option<String>,
    to: Option<String>,
    before: Option<i64>,
) -> Result<ActivitySlice, AppError> {
    use portal::accounts::authz::Action;

    let (portal, caller) = crate::ssr::portal_for(Action::Read).await?;
    let query = portal::activity::ActivityQuery {
        user,
        action,
        target,
        from,
        to,
        before,
    };
    portal::activity::list(&portal, &caller, query).await
}
