module github.com/cachegen/cachegen/cache

go 1.22

require (
	github.com/alicebob/miniredis/v2 v2.40.0
	github.com/goccy/go-json v0.11.1
	github.com/klauspost/compress v1.18.0
	github.com/redis/go-redis/v9 v9.16.0
	github.com/vmihailenco/msgpack/v5 v5.4.1
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
)
