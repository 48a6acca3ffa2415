package io.pooler.admin;

/**
 * One command as it is run: against which pooler, by whom, with which argument.
 *
 * @param adminUser  the session belongs to an {@code admin_users} user (else a {@code stats_users} one)
 * @param argument   the command's argument as written, unquoted; empty when there is none
 */
public record AdminRequest(AdminBackend backend, boolean adminUser, String argument) {

    public boolean hasArgument() {
        return !argument.isEmpty();
    }

    /** The argument, or null when there is none: the "every database" of the backend's actions. */
    public String databaseOrAll() {
        return argument.isEmpty() ? null : argument;
    }
}
