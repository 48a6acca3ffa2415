package io.pooler.server.client;

import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Every client connection of a server, for shutdown: what a Netty {@code ChannelGroup} did, without its
 * cost per client (a map node, and a listener of its own on each channel's close future). Each event
 * loop keeps its clients in a list linked through their handlers, changed only on that loop; the
 * client's handler is its channel's close listener and leaves the list itself.
 *
 * <p>Threads: a loop's list is owned by that loop; {@link #shutdownRequested} and {@link #closeAll}
 * hop onto each loop.
 */
public final class ClientChannels {
    private final ClientServices services;
    private final LoginServices login;
    /** One list per event loop, made at its first client; a handful of entries. */
    private final ConcurrentHashMap<EventLoop, LoopClients> byLoop = new ConcurrentHashMap<>();

    public ClientChannels(ClientServices services, LoginServices login) {
        this.services = services;
        this.login = login;
    }

    /** The one handler of a new client channel, its frame decoder included; messages up to {@code maxMessageLength}. */
    public ChannelHandler newHandler(int maxMessageLength) {
        return new ClientHandler(this, maxMessageLength);
    }

    ClientServices services() {
        return services;
    }

    LoginServices login() {
        return login;
    }

    /** On the handler's loop. */
    void added(ClientHandler handler) {
        byLoop.computeIfAbsent(handler.eventLoop(), loop -> new LoopClients()).add(handler);
    }

    /** On the handler's loop; nothing when it is not in the list (any more). */
    void removed(ClientHandler handler) {
        LoopClients clients = byLoop.get(handler.eventLoop());
        if (clients != null) {
            clients.remove(handler);
        }
    }

    /** Shutdown WAIT_FOR_SERVERS: every client leaves as soon as it has no transaction running. */
    public void shutdownRequested() {
        forEach(ClientHandler::shutdownRequested);
    }

    /** Closes every client connection. */
    public void closeAll() {
        forEach(ClientHandler::close);
    }

    /**
     * The clients listed on each loop, read on that loop: how many, and how many of those have a closed
     * channel (none once the loop has run the close's events). What a SIGTERM's WAIT_FOR_CLIENTS waits
     * on; beside the count max_client_conn reads, it shows whether that count is still every open client.
     */
    public CompletableFuture<Census> census() {
        List<CompletableFuture<Census>> perLoop = new ArrayList<>();
        byLoop.forEach((loop, clients) -> {
            CompletableFuture<Census> counted = new CompletableFuture<>();
            perLoop.add(counted);
            try {
                loop.execute(() -> counted.complete(clients.census()));
            } catch (RejectedExecutionException stopped) {
                counted.complete(new Census(0, 0)); // a loop that has stopped has closed its channels
            }
        });
        return CompletableFuture.allOf(perLoop.toArray(CompletableFuture[]::new)).thenApply(done -> perLoop.stream()
                .map(CompletableFuture::join).reduce(new Census(0, 0), Census::plus));
    }

    /** What {@link #census} found: clients listed, and those among them whose channel is closed. */
    public record Census(int listed, int closed) {
        Census plus(Census other) {
            return new Census(listed + other.listed, closed + other.closed);
        }
    }

    /** Runs {@code action} for each client on its loop; it may remove the client meanwhile. */
    private void forEach(Consumer<ClientHandler> action) {
        byLoop.forEach((loop, clients) -> loop.execute(() -> clients.snapshot().forEach(action)));
    }

    /** The clients of one loop, linked through {@link ClientHandler#prevClient} and {@code nextClient}. */
    private static final class LoopClients {
        private ClientHandler head;

        void add(ClientHandler handler) {
            handler.nextClient = head;
            handler.prevClient = null;
            if (head != null) {
                head.prevClient = handler;
            }
            head = handler;
        }

        void remove(ClientHandler handler) {
            if (handler.prevClient == null && head != handler) {
                return; // not in the list
            }
            if (handler.prevClient != null) {
                handler.prevClient.nextClient = handler.nextClient;
            } else {
                head = handler.nextClient;
            }
            if (handler.nextClient != null) {
                handler.nextClient.prevClient = handler.prevClient;
            }
            handler.prevClient = null;
            handler.nextClient = null;
        }

        Census census() {
            int listed = 0;
            int closed = 0;
            for (ClientHandler h = head; h != null; h = h.nextClient) {
                listed++;
                closed += h.isChannelOpen() ? 0 : 1;
            }
            return new Census(listed, closed);
        }

        List<ClientHandler> snapshot() {
            List<ClientHandler> all = new ArrayList<>();
            for (ClientHandler h = head; h != null; h = h.nextClient) {
                all.add(h);
            }
            return all;
        }
    }
}
