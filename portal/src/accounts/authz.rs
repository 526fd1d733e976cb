//! Who may do what: the roles of an organization and the one permission matrix every server
//! function goes through (`require` in `super::context`). The UI hides what a role may not do,
//! but this decides.
//!
//! | role     | may                                                               |
//! |----------|-------------------------------------------------------------------|
//! | viewer   | read everything of the organization, its activity included        |
//! | operator | also scale, upgrade, issue kubeconfigs                            |
//! | admin    | also create and delete clusters and nodepools, manage members     |
//! | owner    | also orchestration credentials and the organization itself        |

use serde::{Deserialize, Serialize};

pub use portal_types::roles::Role;

/// Everything a member can ask for, by the least role that may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// Read the organization's resources, members and activity.
    Read,
    /// Scale a nodepool, evict instances.
    Scale,
    /// Upgrade a cluster or its service level, rotate credentials.
    Upgrade,
    /// Issue a kubeconfig.
    IssueKubeconfig,
    /// Create or change clusters and nodepools.
    Create,
    /// Delete clusters and nodepools.
    Delete,
    /// Invite, change roles, remove members.
    ManageMembers,
    /// Set the organization's orchestration credentials.
    ManageCredentials,
    /// Rename or delete the organization.
    ManageOrganization,
}

impl Action {
    /// The least role allowed to do this.
    pub fn minimum_role(self) -> Role {
        match self {
            Action::Read => Role::Viewer,
            Action::Scale | Action::Upgrade | Action::IssueKubeconfig => Role::Operator,
            Action::Create | Action::Delete | Action::ManageMembers => Role::Admin,
            Action::ManageCredentials | Action::ManageOrganization => Role::Owner,
        }
    }

    /// Words for "you are not allowed to …".
    pub fn describe(self) -> &'static str {
        match self {
            Action::Read => "see this organization",
            Action::Scale => "scale nodepools",
            Action::Upgrade => "upgrade clusters",
            Action::IssueKubeconfig => "issue kubeconfigs",
            Action::Create => "create or change clusters and nodepools",
            Action::Delete => "delete clusters and nodepools",
            Action::ManageMembers => "manage members",
            Action::ManageCredentials => "manage orchestration credentials",
            Action::ManageOrganization => "manage the organization",
        }
    }
}

/// Whether `role` may do `action`.
pub fn permits(role: Role, action: Action) -> bool {
    role >= action.minimum_role()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACTIONS: [Action; 9] = [
        Action::Read,
        Action::Scale,
        Action::Upgrade,
        Action::IssueKubeconfig,
        Action::Create,
        Action::Delete,
        Action::ManageMembers,
        Action::ManageCredentials,
        Action::ManageOrganization,
    ];

    #[test]
    fn the_matrix() {
        // (role, actions it may do), written out in full so a change to the matrix is seen.
        let table: [(Role, &[Action]); 4] = [
            (Role::Viewer, &[Action::Read]),
            (
                Role::Operator,
                &[
                    Action::Read,
                    Action::Scale,
                    Action::Upgrade,
                    Action::IssueKubeconfig,
                ],
            ),
            (
                Role::Admin,
                &[
                    Action::Read,
                    Action::Scale,
                    Action::Upgrade,
                    Action::IssueKubeconfig,
                    Action::Create,
                    Action::Delete,
                    Action::ManageMembers,
                ],
            ),
            (Role::Owner, &ACTIONS),
        ];
        for (role, allowed) in table {
            for action in ACTIONS {
                assert_eq!(
                    permits(role, action),
                    allowed.contains(&action),
                    "{role:?} / {action:?}"
                );
            }
        }
    }
}
