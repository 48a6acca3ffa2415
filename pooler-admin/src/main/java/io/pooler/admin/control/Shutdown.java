package io.pooler.admin.control;

import io.pooler.admin.AdminBackend;
import io.pooler.admin.AdminRequest;
import io.pooler.admin.wire.Response;

import java.util.Locale;
import java.util.concurrent.CompletionStage;

/**
 * SHUTDOWN [WAIT_FOR_SERVERS|WAIT_FOR_CLIENTS]. The immediate one is not answered: the connection closes
 * with the process, as in PgBouncer.
 */
public final class Shutdown extends ControlCommand {

    /** The mode an argument names, or null when it names none (the console then says the command is invalid). */
    public static AdminBackend.ShutdownMode mode(String argument) {
        return switch (argument.toUpperCase(Locale.ROOT)) {
            case "" -> AdminBackend.ShutdownMode.IMMEDIATE;
            case "WAIT_FOR_SERVERS" -> AdminBackend.ShutdownMode.WAIT_FOR_SERVERS;
            case "WAIT_FOR_CLIENTS" -> AdminBackend.ShutdownMode.WAIT_FOR_CLIENTS;
            default -> null;
        };
    }

    @Override
    protected CompletionStage<Response> control(AdminRequest request) {
        AdminBackend.ShutdownMode mode = mode(request.argument());
        request.backend().shutdown(mode);
        return mode == AdminBackend.ShutdownMode.IMMEDIATE ? done(Response.NONE) : ready("SHUTDOWN");
    }
}
