//! Who is signed in, as the header shows them (their organizations and role in each), and the
//! checks on the sign-up form that the browser and the server both apply.

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::roles::Role;

/// An organization the signed-in person belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgChoice {
    pub id: String,
    pub name: String,
    pub role: Role,
}

/// The signed-in person, as the header shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub name: String,
    pub email: String,
    /// The organization the session works in.
    pub org: Option<OrgChoice>,
    /// Every organization they belong to.
    pub orgs: Vec<OrgChoice>,
}

/// The checks on the sign-up form, shared by the browser and the server.
pub fn sign_up_errors(name: &str, email: &str, password: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name_length = name.trim().chars().count();
    if name_length == 0 || name_length > 100 {
        errors.push(FieldError::new(
            "name",
            "Enter your name (1 to 100 characters).",
        ));
    }
    let email = email.trim();
    let plausible = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !plausible || email.contains(char::is_whitespace) {
        errors.push(FieldError::new(
            "email",
            "Enter an email address like name@example.com.",
        ));
    }
    let length = password.chars().count();
    if length < 10 {
        errors.push(FieldError::new("password", "Use at least 10 characters."));
    } else if length > 256 {
        errors.push(FieldError::new("password", "Use at most 256 characters."));
    } else if password.eq_ignore_ascii_case(email) {
        errors.push(FieldError::new(
            "password",
            "Do not use your email address as password.",
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_up_checks_name_email_and_password() {
        assert!(sign_up_errors("Ada", "ada@example.com", "long enough pass").is_empty());
        let fields =
            |errors: Vec<FieldError>| errors.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(sign_up_errors("", "ada@example.com", "long enough pass")),
            ["name"]
        );
        for email in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada @example.com",
            "ada@.com",
        ] {
            assert_eq!(
                fields(sign_up_errors("Ada", email, "long enough pass")),
                ["email"],
                "{email}"
            );
        }
        assert_eq!(
            fields(sign_up_errors("Ada", "ada@example.com", "short")),
            ["password"]
        );
    }
}
