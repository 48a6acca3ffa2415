package io.pooler.server.client;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The BackendKeyData the pooler gave each client, so a CancelRequest (which arrives on a new
 * connection, possibly on another event loop) finds the client and through it the server to cancel.
 */
public final class CancelRegistry {
    private final ConcurrentHashMap<Integer, ClientConnection> byProcessId = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();

    /** Gives the client a fresh, unique process id and a random secret. */
    public void register(ClientConnection client) {
        while (true) {
            int pid = random.nextInt() & 0x7fffffff;
            if (pid != 0 && byProcessId.putIfAbsent(pid, client) == null) {
                client.setCancelKey(pid, random.nextInt());
                return;
            }
        }
    }

    public void unregister(ClientConnection client) {
        if (client.cancelProcessId() != 0) {
            byProcessId.remove(client.cancelProcessId(), client);
        }
    }

    /** The client these keys belong to, or null; the secret must match too. */
    public ClientConnection find(int processId, int secretKey) {
        ClientConnection client = byProcessId.get(processId);
        if (client == null || client.cancelSecretKey() != secretKey) {
            return null;
        }
        return client;
    }
}
