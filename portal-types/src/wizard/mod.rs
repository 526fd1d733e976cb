//! The create-cluster wizard's model, shared by the browser and the server: the form as typed
//! ([`form`]), the one function that turns it into API requests or field errors, and the
//! renderings of those requests for the review step ([`render`]).

pub mod form;
pub mod render;

pub use form::{
    ClusterForm, CreatePlan, InstanceTypeChoice, NamedChoice, NodepoolForm, Step, WizardChoices,
    field_label, plan,
};
