//! The roles a member has in an organization, from least to most trusted. Shared with the
//! browser, which hides what a role may not do (the server decides).

use serde::{Deserialize, Serialize};

/// A member's role. Ordered: each role may do everything the previous one may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Operator,
    Admin,
    Owner,
}

impl Role {
    /// Every role, least trusted first.
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Operator, Role::Admin, Role::Owner];

    /// The stored and submitted value.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Operator => "operator",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    /// Parses a role; `None` for anything else.
    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// The longest lifetime (hours) of a kubeconfig this role may issue: a certificate cannot
    /// be revoked one by one, so those who may not manage members get short-lived ones.
    pub fn kubeconfig_max_hours(self) -> i64 {
        match self {
            Role::Viewer => 0,
            Role::Operator => 24 * 7,
            Role::Admin => 24 * 30,
            Role::Owner => 24 * 365,
        }
    }

    /// Whether this role may issue kubeconfigs in Kubernetes' all-powerful group
    /// `system:masters` (which RBAC cannot restrict).
    pub fn may_issue_masters(self) -> bool {
        self >= Role::Admin
    }

    /// What the role may do, in a few words.
    pub fn summary(self) -> &'static str {
        match self {
            Role::Viewer => "Sees everything of the organization",
            Role::Operator => "Also scales, upgrades and issues kubeconfigs",
            Role::Admin => "Also creates and deletes clusters and manages members",
            Role::Owner => "Also manages credentials and the organization",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_order() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Viewer < Role::Operator && Role::Admin < Role::Owner);
    }

    #[test]
    fn kubeconfig_limits_grow_with_trust() {
        let hours: Vec<i64> = Role::ALL.iter().map(|r| r.kubeconfig_max_hours()).collect();
        assert!(hours.windows(2).all(|w| w[0] < w[1]), "{hours:?}");
        assert!(!Role::Operator.may_issue_masters());
        assert!(Role::Admin.may_issue_masters() && Role::Owner.may_issue_masters());
    }
}
