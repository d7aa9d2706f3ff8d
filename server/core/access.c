/* access.c -- role names (see access.h). */
#include "server/core/access.h"

#include <string.h>

static const char *const role_names[] = {"none",   "guest",     "viewer",
                                         "commenter", "editor", "owner"};

const char *srv_role_name(int role)
{
    if (role < SRV_ROLE_NONE || role > SRV_ROLE_OWNER)
        return "none";
    return role_names[role];
}

int srv_role_parse(const char *name)
{
    if (!name)
        return -1;
    for (int r = SRV_ROLE_VIEWER; r <= SRV_ROLE_OWNER; r++)
        if (strcmp(name, role_names[r]) == 0)
            return r;
    return -1;
}
