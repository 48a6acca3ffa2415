package io.pooler.server.client;

import io.pooler.server.peers.CancelKey;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The BackendKeyData the pooler gave each client, so a CancelRequest (which arrives on a new
 * connection, possibly on another event loop) finds the client and through it the server to cancel.
 * Keys are looked up whole (process id and secret): with peering only 15 bits of the process id are
 * random ({@link CancelKey}), too few to be unique on their own.
 */
public final class CancelRegistry {
    private final ConcurrentHashMap<Long, ClientConnection> byKey = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final IntSupplier peerId;

    /** @param peerId this process's peer_id as configured now (0: no peering) */
    public CancelRegistry(IntSupplier peerId) {
        this.peerId = peerId;
    }

    /** Gives the client a fresh, unique key: random, with our peer_id and TTL written in when peered. */
    public void register(ClientConnection client) {
        int peer = peerId.getAsInt();
        while (true) {
            int pid = CancelKey.processId(random.nextInt(), peer);
            int secret = CancelKey.secret(random.nextInt(), peer);
            if (pid != 0 && byKey.putIfAbsent(key(pid, secret), client) == null) {
                client.setCancelKey(pid, secret);
                return;
            }
        }
    }

    public void unregister(ClientConnection client) {
        if (client.cancelProcessId() != 0) {
            byKey.remove(key(client.cancelProcessId(), client.cancelSecretKey()), client);
        }
    }

    /** The client these keys belong to, or null. */
    public ClientConnection find(int processId, int secretKey) {
        return byKey.get(key(processId, secretKey));
    }

    private static long key(int processId, int secretKey) {
        return ((long) processId << 32) | (secretKey & 0xFFFF_FFFFL);
    }
}
