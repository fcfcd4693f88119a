package basic

import "github.com/cachegen/cachegen/cache"

// NewRepository wraps next with the generated cache. It uses a generated
// name, so under the cachegen build tag (when the generated file is hidden)
// this file does not type-check; cachegen must still generate the package.
func NewRepository(next BookRepository, c *cache.Cache) BookRepository {
	return NewCachedBookRepository(next, c)
}
