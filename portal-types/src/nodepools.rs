//! Scaling a nodepool, as the scale page shows it: the pool and its instances, the largest
//! size allowed, and the pure check of a scale request (a new size, or which instances leave).

use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// Largest nodepool size the portal asks for: the same quota the wizard and the API apply.
pub const MAX_SIZE: i64 = sks_api::validate::MAX_NODEPOOL_SIZE;

/// One instance, as the scale page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleInstance {
    pub id: String,
    pub name: String,
    pub state: String,
}

/// What the scale page needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodepoolScaleInfo {
    pub cluster_name: String,
    pub nodepool_name: String,
    pub state: String,
    pub size: i64,
    /// `family.size` of the instance type.
    pub instance_type: String,
    /// GiB per node (it counts in the cost).
    pub disk_size: i64,
    pub instances: Vec<ScaleInstance>,
    pub may_scale: bool,
    pub may_delete: bool,
}

/// What a scale request means, once checked against the pool as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScalePlan {
    /// Set the size; the service adds instances, or removes the ones it chooses.
    Resize(i64),
    /// Remove exactly these instances; the pool shrinks by as many.
    Evict(Vec<String>),
}

/// Checks a scale request against the pool: the new size, and the instances chosen to leave
/// (only when scaling down, and then exactly as many as the size drops).
pub fn plan_scale(
    size: &str,
    evict: &[String],
    current: i64,
    instances: &[ScaleInstance],
) -> Result<ScalePlan, Vec<FieldError>> {
    let size = match size.trim().parse::<i64>() {
        Ok(n) if (0..=MAX_SIZE).contains(&n) => n,
        _ => {
            return Err(vec![FieldError::new(
                "size",
                format!("Enter a whole number of nodes from 0 to {MAX_SIZE}."),
            )]);
        }
    };
    if size == current {
        return Err(vec![FieldError::new(
            "size",
            format!("The nodepool already has {current} nodes: enter a different size."),
        )]);
    }
    if evict.is_empty() {
        return Ok(ScalePlan::Resize(size));
    }
    if size > current {
        return Err(vec![FieldError::new(
            "evict",
            "Instances can only be chosen to leave when scaling down; clear the selection.",
        )]);
    }
    if let Some(unknown) = evict
        .iter()
        .find(|id| !instances.iter().any(|i| &i.id == *id))
    {
        return Err(vec![FieldError::new(
            "evict",
            format!("Instance {unknown} is not in this nodepool (any more): reload the page."),
        )]);
    }
    let leaving = (current - size) as usize;
    let mut chosen = evict.to_vec();
    chosen.sort();
    chosen.dedup();
    if chosen.len() != leaving {
        return Err(vec![FieldError::new(
            "evict",
            format!(
                "Going from {current} to {size} nodes removes {leaving}: choose exactly {leaving}, or none to let the service choose ({} chosen).",
                chosen.len()
            ),
        )]);
    }
    Ok(ScalePlan::Evict(chosen))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instances() -> Vec<ScaleInstance> {
        ["a", "b", "c"]
            .into_iter()
            .map(|id| ScaleInstance {
                id: id.into(),
                name: format!("node-{id}"),
                state: "running".into(),
            })
            .collect()
    }

    fn field(result: Result<ScalePlan, Vec<FieldError>>) -> String {
        let errors = result.expect_err("refused");
        assert_eq!(errors.len(), 1);
        errors[0].field.clone()
    }

    #[test]
    fn a_new_size_without_a_choice_lets_the_service_choose() {
        assert_eq!(
            plan_scale("5", &[], 3, &instances()),
            Ok(ScalePlan::Resize(5))
        );
        assert_eq!(
            plan_scale(" 1 ", &[], 3, &instances()),
            Ok(ScalePlan::Resize(1))
        );
    }

    #[test]
    fn scaling_down_evicts_exactly_the_chosen_instances() {
        let chosen = vec!["c".to_owned(), "a".to_owned()];
        assert_eq!(
            plan_scale("1", &chosen, 3, &instances()),
            Ok(ScalePlan::Evict(vec!["a".into(), "c".into()]))
        );
        let one = vec!["a".to_owned()];
        let errors = plan_scale("1", &one, 3, &instances()).unwrap_err();
        assert!(
            errors[0].message.contains("choose exactly 2"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn sizes_and_choices_that_cannot_work_name_their_field() {
        assert_eq!(field(plan_scale("three", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("-1", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("3", &[], 3, &instances())), "size");
        assert_eq!(field(plan_scale("1001", &[], 3, &instances())), "size");
        let one = vec!["a".to_owned()];
        assert_eq!(field(plan_scale("4", &one, 3, &instances())), "evict");
        let stranger = vec!["z".to_owned()];
        assert_eq!(field(plan_scale("2", &stranger, 3, &instances())), "evict");
    }
}
