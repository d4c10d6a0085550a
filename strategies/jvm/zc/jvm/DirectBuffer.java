// Transfers data by FileChannel.read into a direct ByteBuffer (memory
// outside the Java heap), then write of it to the sink: read and write
// use the buffer's address, like the native read-write.
package zc.jvm;

import java.nio.ByteBuffer;

public final class DirectBuffer extends BufferCopy {
  @Override
  ByteBuffer allocate(int capacity) {
    return ByteBuffer.allocateDirect(capacity);
  }

  public static void main(String[] args) {
    Protocol.run(new DirectBuffer());
  }
}
