/* access.h -- the vocabulary of access that every layer shares: the roles
 * a member can have, a user as handlers see one, and what a route needs
 * (struct srv_perm, carried by each HTTP route and WebSocket message type
 * in its table entry). Plain data and two pure functions; who someone is
 * and whether they are a member is decided by server/auth/. */
#ifndef MIXROOM_SERVER_CORE_ACCESS_H
#define MIXROOM_SERVER_CORE_ACCESS_H

/* Roles, least to most. SRV_ROLE_GUEST is not a member role: it is what a
 * guest session of a share link has in that link's project (see
 * server/auth/guest.c and docs/review.md): below viewer, so every route's
 * role check refuses a guest unless auth's guest table lets it through. It
 * is never parsed from a name (srv_role_parse refuses "guest"). */
enum srv_role {
    SRV_ROLE_NONE = 0,
    SRV_ROLE_GUEST,
    SRV_ROLE_VIEWER,
    SRV_ROLE_COMMENTER,
    SRV_ROLE_EDITOR,
    SRV_ROLE_OWNER,
};

/* "viewer" etc.; "none" for SRV_ROLE_NONE or any unknown value. */
const char *srv_role_name(int role);

/* Parses a role name ("owner", "editor", "commenter", "viewer"); -1 if
 * unknown (also for "none" and "guest"). */
int srv_role_parse(const char *name);

/* A user as the server knows one. */
struct srv_user {
    char id[64];
    char name[64];
    char display_name[128];
};

/* Who may reach a route at all. */
enum srv_perm_scope {
    SRV_PERM_PUBLIC = 0,   /* no login needed (login itself, health) */
    SRV_PERM_LOGIN,        /* any valid session; no project involved */
    SRV_PERM_PROJECT,      /* a member of the project with at least `role` */
};

/* What a route needs: a scope and, for SRV_PERM_PROJECT, the least role. */
struct srv_perm {
    int scope;             /* enum srv_perm_scope */
    int role;              /* enum srv_role (SRV_ROLE_NONE unless PROJECT) */
};

/* Initialisers of a route table's `perm` member. */
#define SRV_PUBLIC {SRV_PERM_PUBLIC, SRV_ROLE_NONE}
#define SRV_LOGIN {SRV_PERM_LOGIN, SRV_ROLE_NONE}
#define SRV_MEMBER(r) {SRV_PERM_PROJECT, (r)}

#endif
