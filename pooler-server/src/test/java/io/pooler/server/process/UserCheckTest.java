package io.pooler.server.process;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UserCheckTest {
    @Test
    void passesForTheUserWeRunAs() {
        assertDoesNotThrow(() -> UserCheck.requireCurrentUser(UserCheck.currentUser()));
    }

    @Test
    void refusesAnotherUserAndSaysHowToStartAsIt() {
        StartupException refused = assertThrows(StartupException.class,
                () -> UserCheck.requireCurrentUser("pooler-test-nobody"));
        String message = refused.getMessage();
        assertTrue(message.startsWith("cannot switch to user 'pooler-test-nobody' (running as '" + UserCheck.currentUser() + "')"), message);
        assertTrue(message.contains("User=pooler-test-nobody") && message.contains("runuser -u pooler-test-nobody"), message);
    }
}
