//! The members of the organization, on the Settings page: roles, invitations, removal.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::forms::ErrorSummary;
use crate::components::page::Loaded;
use crate::components::style::CARD;
use crate::members::{InvitationRow, Members};
use crate::roles::Role;
use crate::server_fns::cluster_access::RotateOperatorsEverywhere;
use crate::server_fns::members::{
    InviteMember, RemoveMember, RevokeInvitation, SetMemberRole, list_members,
};

use crate::components::style::SMALL_BUTTON;
const SELECT: &str = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-700 dark:bg-slate-950";

/// Members, their roles, and (for admins and owners) invitations and changes.
#[component]
pub fn MembersSection() -> impl IntoView {
    let invite = ServerAction::<InviteMember>::new();
    let set_role = ServerAction::<SetMemberRole>::new();
    let remove = ServerAction::<RemoveMember>::new();
    let revoke = ServerAction::<RevokeInvitation>::new();
    // Refetch after any change.
    let members = Resource::new(
        move || {
            (
                set_role.version().get(),
                remove.version().get(),
                revoke.version().get(),
                invite.version().get(),
            )
        },
        |_| list_members(),
    );
    let error = Signal::derive(move || {
        [
            set_role.value().get(),
            remove.value().get(),
            revoke.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(Result::err)
    });
    view! {
        <section
            aria-labelledby="members-title"
            class=format!("{CARD} lg:col-span-2")
        >
            <h2 id="members-title" class="text-base font-semibold">"Members"</h2>
            <Loaded in_card=true>
                {move || Suspend::new(async move {
                    members.await.map(|members| view! {
                        <div class="mt-3"><ErrorSummary error/></div>
                        <MemberTable members=members.clone() set_role remove/>
                        {(members.your_role >= Role::Admin).then(|| view! {
                            <AfterRemoval remove/>
                            <InviteForm invite your_role=members.your_role new_link=members.new_link.clone()/>
                            <Invitations invitations=members.invitations.clone() revoke/>
                        })}
                    })
                })}
            </Loaded>
        </section>
    }
}

#[component]
fn MemberTable(
    members: Members,
    set_role: ServerAction<SetMemberRole>,
    remove: ServerAction<RemoveMember>,
) -> impl IntoView {
    let manager = members.your_role >= Role::Admin;
    let yours = members.your_role;
    view! {
        <table class="mt-3 min-w-full divide-y divide-slate-100 text-sm dark:divide-slate-800">
            <caption class="sr-only">{format!("Members of {}", members.org_name)}</caption>
            <thead class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                <tr>
                    <th scope="col" class="py-2 pr-3">"Name"</th>
                    <th scope="col" class="py-2 pr-3">"Email"</th>
                    <th scope="col" class="py-2 pr-3">"Role"</th>
                    <th scope="col" class="py-2"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                {members.members.into_iter().map(|member| {
                    let editable = manager && member.role <= yours;
                    let label = format!("Role of {}", member.email);
                    let (role_id, remove_id) = (member.user_id.clone(), member.user_id.clone());
                    view! {
                        <tr>
                            <td class="py-2 pr-3">{member.name.clone()}{member.you.then_some(" (you)")}</td>
                            <td class="py-2 pr-3">{member.email.clone()}</td>
                            <td class="py-2 pr-3">
                                {if editable {
                                    view! {
                                        <ActionForm action=set_role attr:class="flex items-center gap-1">
                                            <input type="hidden" name="user_id" value=role_id/>
                                            <select name="role" aria-label=label class=SELECT>
                                                {Role::ALL.into_iter().filter(|r| *r <= yours).map(|r| view! {
                                                    <option value=r.as_str() selected=r == member.role>{r.as_str()}</option>
                                                }).collect_view()}
                                            </select>
                                            <button type="submit" class=SMALL_BUTTON>"Save"</button>
                                        </ActionForm>
                                    }.into_any()
                                } else {
                                    view! { <span>{member.role.as_str()}</span> }.into_any()
                                }}
                            </td>
                            <td class="py-2 text-right">
                                {(editable || member.you).then(|| view! {
                                    <ActionForm action=remove>
                                        <input type="hidden" name="user_id" value=remove_id/>
                                        <button type="submit" class=SMALL_BUTTON>
                                            {if member.you { "Leave" } else { "Remove" }}
                                        </button>
                                    </ActionForm>
                                })}
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// After someone leaves: their kubeconfigs stay valid until they expire, unless the operators
/// authority of every cluster is rotated (one click).
#[component]
fn AfterRemoval(remove: ServerAction<RemoveMember>) -> impl IntoView {
    let rotate = ServerAction::<RotateOperatorsEverywhere>::new();
    let query = use_query_map();
    let removed = move || matches!(remove.value().get(), Some(Ok(())));
    let rotated = move || {
        rotate
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| query.read().get("rotated").and_then(|n| n.parse().ok()))
    };
    let error = Signal::derive(move || rotate.value().get().and_then(Result::err));
    let shown = move || removed() || query.read().get("removed").is_some() || rotated().is_some();
    view! {
        <Show when=shown>
            <div class="mt-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-100">
                <p role="status">
                    "Member removed. Kubeconfigs they were issued keep working until they expire: rotating the operators authority of every cluster ends them all (everyone who still needs access issues a new one)."
                </p>
                <ActionForm action=rotate attr:class="mt-2">
                    <button type="submit" class=SMALL_BUTTON disabled=move || rotate.pending().get()>
                        {move || if rotate.pending().get() { "Rotating…" } else { "Rotate the operators authority of every cluster" }}
                    </button>
                </ActionForm>
                <div class="mt-2"><ErrorSummary error/></div>
                {move || rotated().map(|n: usize| view! {
                    <p role="status" class="mt-2 font-medium">{format!("Rotated on {n} cluster(s): earlier kubeconfigs no longer work.")}</p>
                })}
            </div>
        </Show>
    }
}

/// The invitations not used yet, each of which can be revoked.
#[component]
fn Invitations(
    invitations: Vec<InvitationRow>,
    revoke: ServerAction<RevokeInvitation>,
) -> impl IntoView {
    if invitations.is_empty() {
        return view! {
            <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">"No pending invitations."</p>
        }
        .into_any();
    }
    view! {
        <table class="mt-4 min-w-full divide-y divide-slate-100 text-sm dark:divide-slate-800">
            <caption class="text-left text-sm font-semibold">"Pending invitations"</caption>
            <thead class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                <tr>
                    <th scope="col" class="py-2 pr-3">"Role"</th>
                    <th scope="col" class="py-2 pr-3">"Made by"</th>
                    <th scope="col" class="py-2 pr-3">"Expires"</th>
                    <th scope="col" class="py-2"><span class="sr-only">"Actions"</span></th>
                </tr>
            </thead>
            <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                {invitations.into_iter().map(|invitation| {
                    let label = format!(
                        "Revoke the {} invitation made by {}",
                        invitation.role.as_str(),
                        invitation.created_by
                    );
                    view! {
                        <tr>
                            <td class="py-2 pr-3">{invitation.role.as_str()}</td>
                            <td class="py-2 pr-3">{invitation.created_by.clone()}</td>
                            <td class="py-2 pr-3">{invitation.expires.clone()}</td>
                            <td class="py-2 text-right">
                                <ActionForm action=revoke>
                                    <input type="hidden" name="id" value=invitation.id.clone()/>
                                    <button type="submit" class=SMALL_BUTTON aria-label=label>"Revoke"</button>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn InviteForm(
    invite: ServerAction<InviteMember>,
    your_role: Role,
    new_link: Option<String>,
) -> impl IntoView {
    // The link comes back as the action's value, or (a form posted without JavaScript) once
    // with the members list, from the session: never from the address.
    let link = move || {
        invite
            .value()
            .get()
            .and_then(Result::ok)
            .or_else(|| new_link.clone())
    };
    let error = Signal::derive(move || invite.value().get().and_then(Result::err));
    view! {
        <div class="mt-6 border-t border-slate-100 pt-4 dark:border-slate-800">
            <h3 class="text-sm font-semibold">"Invite someone"</h3>
            <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
                "Creates a link, valid for a week and for one person, to join with the role you choose. It is shown once: copy it now."
            </p>
            <ActionForm action=invite attr:class="mt-3 flex flex-wrap items-center gap-2">
                <label for="invite-role" class="text-sm">"Role"</label>
                <select id="invite-role" name="role" class=SELECT>
                    {Role::ALL.into_iter().filter(|r| *r <= your_role).map(|r| view! {
                        <option value=r.as_str() selected=r == Role::Viewer>{format!("{} — {}", r.as_str(), r.summary())}</option>
                    }).collect_view()}
                </select>
                <button type="submit" class="rounded-md bg-sky-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-sky-800">"Create invitation link"</button>
            </ActionForm>
            <div class="mt-2"><ErrorSummary error/></div>
            {move || link().map(|link| view! {
                <p role="status" class="mt-3 text-sm">
                    "Send this link: "
                    <code data-testid="invitation-link" class="break-all rounded bg-slate-100 px-1 py-0.5 dark:bg-slate-800">{link}</code>
                </p>
            })}
        </div>
    }
}
