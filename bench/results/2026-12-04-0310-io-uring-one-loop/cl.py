import socket, struct, sys, time
n = int(sys.argv[1])
for i in range(n):
    s = socket.create_connection(('127.0.0.1', 16441))
    s.sendall(b'\0\0\0\x2b' + b'x' * 39)
    r = s.recv(100)
    s.sendall(b'p' + struct.pack('!i', 11) + b'wrong\0')
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
    s.close()
