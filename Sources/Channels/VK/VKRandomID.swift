/// VK's `random_id` for one notification: the first four bytes of SHA-256 of our notification id,
/// read big-endian with the top bit cleared, so that a resend of the same notification (after a
/// timeout, after a crash) carries the same value and VK drops it as a duplicate.
///
/// `messages.send` takes `random_id` as a "unique identifier to avoid resending the message"
/// (vk-api-schema 5.199), mandatory since 5.90; VK reads it as an int32 (python273/vk_api#212,
/// where VK's documentation was changed to int32 in 2018), so 31 bits of the digest are used. VK
/// documented the check as per application and sender over the whole history; two different
/// notifications then collide with probability about n²/2³² among n messages of one community,
/// and the later one would be dropped as a resend. Zero is avoided: communities may send 0, which
/// VK takes as "no check" (linksplatform/Bot#34).
enum VKRandomID {
    static func of(notificationID: String) -> Int32 {
        let digest = ChannelCrypto.sha256(Array(notificationID.utf8))
        let value = (UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])) & 0x7FFF_FFFF
        return value == 0 ? 1 : Int32(value)
    }
}
