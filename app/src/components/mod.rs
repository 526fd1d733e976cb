//! Reusable pieces of the interface. Presentational components take plain data; pages own
//! loading, error and empty states.

pub mod copy_button;
pub mod credentials;
pub mod error_view;
pub mod forms;
pub mod icons;
pub mod layout;
pub mod live;
pub mod members;
pub mod operation_progress;
pub mod page;
pub mod status_badge;
pub mod style;
pub mod theme_toggle;
pub mod user_menu;
