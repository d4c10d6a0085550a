// Transfers data by FileChannel.read into a heap ByteBuffer, then write of
// it to the sink: the JDK reads into a temporary direct buffer and copies
// into the heap array, and copies back out before the write.
package zc.jvm;

import java.nio.ByteBuffer;

public final class HeapBuffer extends BufferCopy {
  @Override
  ByteBuffer allocate(int capacity) {
    return ByteBuffer.allocate(capacity);
  }

  public static void main(String[] args) {
    Protocol.run(new HeapBuffer());
  }
}
