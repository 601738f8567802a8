public enum ChannelsPlaceholder {}
