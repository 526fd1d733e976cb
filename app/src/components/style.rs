//! The classes of the portal's recurring surfaces and controls, so that a card or a button
//! looks the same on every page. A page adds layout (`mt-6`, `max-w-2xl`) around them:
//! `class=format!("{CARD} max-w-2xl")`.

/// A card: a section of a page.
pub const CARD: &str =
    "rounded-lg border border-slate-200 bg-white p-6 dark:border-slate-800 dark:bg-slate-900";
/// A text input or select in a form.
pub const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-sky-500 focus:outline-2 focus:outline-sky-500 aria-[invalid=true]:border-red-500 dark:border-slate-700 dark:bg-slate-950";
/// The form's main action.
pub const BUTTON: &str = "rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500 disabled:opacity-50";
/// A secondary action (cancel, back, copy).
pub const QUIET_BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1.5 text-sm font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-700 dark:hover:bg-slate-800";
/// An action that destroys something.
pub const DANGER_BUTTON: &str = "rounded-md bg-red-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-700 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-500 disabled:opacity-50";
/// A field's error message.
pub const ERROR_TEXT: &str = "text-sm text-red-600 dark:text-red-400";
/// A filter in a search form above a list (compact: the form holds several in a row).
pub const FILTER_INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm dark:border-slate-700 dark:bg-slate-950";
/// A small secondary action beside a row or a menu entry.
pub const SMALL_BUTTON: &str = "rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-700 dark:hover:bg-slate-800";
/// A hint under a field: what is allowed, what a choice means.
pub const HINT: &str = "mt-1 text-xs text-slate-500 dark:text-slate-400";
/// The other actions of a page built around one form (back, cancel).
pub const LARGE_QUIET_BUTTON: &str = "rounded-md border border-slate-300 px-4 py-2 text-sm font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-sky-500 dark:border-slate-700 dark:hover:bg-slate-800";
/// The one action of a page built around a single form (sign-in, password, invitation).
pub const LARGE_BUTTON: &str = "rounded-md bg-sky-700 px-4 py-2 text-sm font-medium text-white hover:bg-sky-800 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-sky-500 disabled:opacity-50";
