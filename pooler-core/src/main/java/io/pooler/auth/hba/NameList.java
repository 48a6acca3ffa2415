package io.pooler.auth.hba;

import java.util.Set;

/**
 * The DATABASE or USER column: names (from the line or an {@code @file}) and the keywords PgBouncer
 * supports there. Names are compared exactly, case included, as PostgreSQL does.
 *
 * @param all         the {@code all} keyword: every name, except that it does not cover replication connections
 * @param sameUser    {@code sameuser} (database column): the database named like the user
 * @param replication {@code replication} (database column): replication connections, whatever the database
 * @param names       the literal names
 */
record NameList(boolean all, boolean sameUser, boolean replication, Set<String> names) {

    NameList {
        names = Set.copyOf(names);
    }

    /** Whether the database column admits a connection to {@code database} by {@code user}. */
    boolean matchesDatabase(String database, String user, boolean replicationConnection) {
        if (replicationConnection) {
            // PostgreSQL: only the replication keyword covers a replication connection.
            return replication;
        }
        return all || (sameUser && database.equals(user)) || names.contains(database);
    }

    boolean matchesUser(String user) {
        return all || names.contains(user);
    }
}
