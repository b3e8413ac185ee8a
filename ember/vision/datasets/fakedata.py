"""``FakeData``: reproducible random images, one fixed image per index."""
from __future__ import annotations

from typing import Any, Callable, Optional, Tuple


from .vision import VisionDataset


class FakeData(VisionDataset):
    """Random images (as PIL images) with random integer targets.

    Item ``i`` is drawn from a generator seeded with ``i + random_offset``, so it is the
    same on every access; ember's global random state is left untouched.
    """

    def __init__(self, size: int = 1000, image_size: Tuple[int, int, int] = (3, 224, 224),
                 num_classes: int = 10, transform: Optional[Callable] = None,
                 target_transform: Optional[Callable] = None, random_offset: int = 0) -> None:
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index: int) -> Tuple[Any, Any]:
        from ... import Generator, randint, randn
        from ..transforms.functional import to_pil_image
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        g = Generator().manual_seed(index + self.random_offset)
        img = randn(*self.image_size, generator=g)
        target = randint(0, self.num_classes, size=(1,), generator=g)[0]
        img = to_pil_image(img)
        target = int(target.item())
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self) -> int:
        return self.size


