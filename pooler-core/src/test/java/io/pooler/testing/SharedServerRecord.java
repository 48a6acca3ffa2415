package io.pooler.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What the first test class saw of the shared server, for the classes after it to compare with.
 * The cluster's system identifier is fixed at initdb and survives restarts, which other tests do.
 */
final class SharedServerRecord {

    record Seen(PostgresInstance instance, int port, long systemIdentifier, String dataDirectory, String testClass) {
    }

    private static Seen first;

    private SharedServerRecord() {
    }

    /** Records the server, or asserts it is the one an earlier class recorded. */
    static synchronized void seenBy(Class<?> testClass, PostgresInstance instance) throws SQLException {
        Seen seen = look(testClass, instance);
        if (first == null) {
            first = seen;
            return;
        }
        String message = "server seen by " + testClass.getSimpleName() + " vs " + first.testClass();
        assertSame(first.instance(), seen.instance(), message);
        assertEquals(first.port(), seen.port(), message);
        assertEquals(first.systemIdentifier(), seen.systemIdentifier(), message);
        assertEquals(first.dataDirectory(), seen.dataDirectory(), message);
    }

    private static Seen look(Class<?> testClass, PostgresInstance instance) throws SQLException {
        try (Connection connection = instance.connectAsSuperuser("postgres");
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        "SELECT system_identifier, current_setting('data_directory') FROM pg_control_system()")) {
            row.next();
            return new Seen(instance, instance.port(), row.getLong(1), row.getString(2), testClass.getSimpleName());
        }
    }
}
