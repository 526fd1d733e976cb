//! Members of the organization as the settings page shows them: who they are and their roles,
//! the invitations not used yet, and what an invitation link offers.

use serde::{Deserialize, Serialize};

use crate::roles::Role;

/// One member, as the members list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberRow {
    pub user_id: String,
    pub name: String,
    pub email: String,
    pub role: Role,
    /// The signed-in person.
    pub you: bool,
}

/// An invitation not used yet (its link is never shown again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRow {
    /// Names it for revoking (not the link's token).
    pub id: String,
    pub role: Role,
    /// The email of who made it.
    pub created_by: String,
    /// When it expires, e.g. `2026-12-13 17:20 UTC`.
    pub expires: String,
}

/// The members of the current organization, and what the viewer may do with them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Members {
    pub org_name: String,
    pub your_role: Role,
    pub members: Vec<MemberRow>,
    /// Pending invitations (for owners and admins; empty for the others).
    pub invitations: Vec<InvitationRow>,
    /// The invitation link a form posted without JavaScript just made, shown once.
    pub new_link: Option<String>,
}

/// What an invitation link leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationOffer {
    pub org_name: String,
    pub role: Role,
}
