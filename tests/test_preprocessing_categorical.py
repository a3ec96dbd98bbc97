"""CategoryEncoding, Hashing, HashedCrossing and Discretization against Keras 3.

Keras's Hashing/HashedCrossing need TensorFlow, which the test environment lacks, so their
outputs were recorded from Keras 3.15.1 + TensorFlow 2.21 on deterministic inputs (`_KERAS`
below; regenerate with `KERAS_BACKEND=jax python tests/test_preprocessing_categorical.py` in an
environment with tensorflow and keras). CategoryEncoding and Discretization run Keras live."""

from __future__ import annotations

import hashlib
import os
import sys
import textwrap

import numpy as np
import pytest

import lamina

layers = lamina.layers
_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-éü中"
_BIG = 2**31 - 1  # a prime number of bins: each bin depends on all 64 bits of the hash


def _strings(n: int, seed: int = 0) -> list[str]:
    """Strings of every length 0..69, then random ones up to 179 (all FarmHash branches)."""
    out = []
    for i in range(n):
        stream = b"".join(hashlib.sha256(f"{seed}:{i}:{j}".encode()).digest() for j in range(6))
        length = i if i < 70 else stream[0] % 180
        out.append("".join(_ALPHABET[b % len(_ALPHABET)] for b in stream[1:length + 1]))
    return out


def _ints(n: int, seed: int = 0) -> np.ndarray:
    """-50..49, then random int32s over the whole range."""
    rand = [int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest()[:4], "little",
                           signed=True) for i in range(n - 100)]
    return np.array(list(range(-50, 50)) + rand + [-2**31, 2**31 - 1], np.int32)


def _inputs(kind: str):
    strings = _strings(130)
    return {"strings": np.array(strings + strings[:10]),
            "ints": _ints(140),
            "floats": (np.arange(-60, 60) * 0.75).astype("float32"),
            "small_strings": np.array(strings[:18]).reshape(6, 3),
            "small_ints": _ints(118)[100:118].reshape(6, 3),
            "wide_ints": np.arange(-20, 20, dtype=np.int64) * 3**35 + 12345}[kind]


_MASK = _strings(4)[3]
HASHING_CASES = {
    "farm_strings": ({"num_bins": _BIG}, "strings"),
    "farm_strings_mask": ({"num_bins": 1000, "mask_value": _MASK}, "strings"),
    "sip_strings": ({"num_bins": _BIG, "salt": [133, 2**40 + 7]}, "strings"),
    "sip_strings_mask": ({"num_bins": 1000, "salt": 42, "mask_value": _MASK}, "strings"),
    "farm_ints": ({"num_bins": _BIG}, "ints"),
    "farm_ints_mask": ({"num_bins": 1000, "mask_value": 0}, "ints"),
    "sip_ints": ({"num_bins": _BIG, "salt": [7, 2**40 + 1]}, "ints"),
    "farm_floats": ({"num_bins": _BIG}, "floats"),
    "farm_wide_ints_mask": ({"num_bins": _BIG, "mask_value": 12345}, "wide_ints"),
    **{f"{mode}_{kind}": ({"num_bins": 5, "output_mode": mode}, f"small_{kind}")
       for mode in ("one_hot", "multi_hot", "count") for kind in ("strings", "ints")},
}
CROSSING_CASES = {
    "str_int": ({"num_bins": _BIG}, ["strings", "ints"]),
    "int_int": ({"num_bins": _BIG}, ["ints", "ints_reversed"]),
    "int_str_int_column": ({"num_bins": 1000}, ["ints_column", "strings_column", "ints_column"]),
    "one_hot": ({"num_bins": 5, "output_mode": "one_hot"}, ["strings", "ints"]),
}


def _column(kind: str) -> np.ndarray:
    base = kind.split("_")[0]
    col = _inputs(base)[:130]
    col = col[::-1] if kind.endswith("reversed") else col
    return col[:, None] if kind.endswith("column") else col


def _pack(arr) -> str:
    arr = np.asarray(arr)
    return " ".join(str(d) for d in arr.shape) + ":" + " ".join(str(int(v)) for v in arr.flat)


def _unpack(text: str) -> np.ndarray:
    shape, values = text.split(":")
    return np.array(values.split(), np.int64).reshape([int(d) for d in shape.split()])


def _regenerate() -> None:  # run with keras + tensorflow installed
    import keras

    out = {}
    for name, (kwargs, kind) in HASHING_CASES.items():
        out[f"hashing/{name}"] = _pack(keras.layers.Hashing(**kwargs)(_inputs(kind)))
    for name, (kwargs, kinds) in CROSSING_CASES.items():
        layer = keras.layers.HashedCrossing(**kwargs)
        out[f"crossing/{name}"] = _pack(layer(tuple(_column(k) for k in kinds)))
    print("_KERAS = {")
    for key, value in out.items():
        lines = textwrap.wrap(value, 88, break_on_hyphens=False, drop_whitespace=False)
        print(f"    {key!r}: (\n" + "".join(f"        {line!r}\n" for line in lines) + "    ),")
    print("}")


@pytest.mark.parametrize("name", sorted(HASHING_CASES))
def test_hashing_matches_keras_bit_for_bit(name):
    kwargs, kind = HASHING_CASES[name]
    got = layers.Hashing(**kwargs)(_inputs(kind))
    np.testing.assert_array_equal(np.asarray(got), _unpack(_KERAS[f"hashing/{name}"]))


@pytest.mark.parametrize("name", ["sip_ints", "farm_floats"])
def test_hashing_numbers_inside_a_compiled_model(name):
    kwargs, kind = HASHING_CASES[name]
    x = _inputs(kind)[:, None]
    model = lamina.Sequential([lamina.Input((1,), dtype=x.dtype.name), layers.Hashing(**kwargs)])
    got = model.predict(x, batch_size=64, verbose=0)
    np.testing.assert_array_equal(got[:, 0], _unpack(_KERAS[f"hashing/{name}"]))


@pytest.mark.parametrize("name", sorted(CROSSING_CASES))
def test_hashed_crossing_matches_keras_bit_for_bit(name):
    kwargs, kinds = CROSSING_CASES[name]
    got = layers.HashedCrossing(**kwargs)(tuple(_column(k) for k in kinds))
    np.testing.assert_array_equal(np.asarray(got), _unpack(_KERAS[f"crossing/{name}"]))


def test_hashed_crossing_of_integers_inside_a_compiled_model():
    a, b = (lamina.Input((1,), dtype="int32") for _ in range(2))
    model = lamina.Model([a, b], layers.HashedCrossing(num_bins=_BIG)([a, b]))
    got = model.predict([_column("ints")[:, None], _column("ints_reversed")[:, None]], verbose=0)
    np.testing.assert_array_equal(got[:, 0], _unpack(_KERAS["crossing/int_int"]))


@pytest.fixture
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize("mode", ["one_hot", "multi_hot", "count"])
@pytest.mark.parametrize("x", [[3, 2, 0, 1], [[0, 1], [0, 0], [1, 2], [3, 1]], [[1], [3], [0]], 2],
                         ids=["rank1", "rank2", "column", "scalar"])
def test_category_encoding_matches_keras(keras, mode, x):
    got = layers.CategoryEncoding(num_tokens=4, output_mode=mode)(np.array(x))
    want = keras.layers.CategoryEncoding(num_tokens=4, output_mode=mode)(np.array(x))
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    assert got.dtype == want.dtype


def test_category_encoding_count_weights_match_keras(keras):
    x, w = [[0, 1], [0, 0], [1, 2], [3, 1]], np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]])
    got = layers.CategoryEncoding(num_tokens=4, output_mode="count")(x, count_weights=w)
    want = keras.layers.CategoryEncoding(num_tokens=4, output_mode="count")(x, count_weights=w)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=0, atol=0)
    with pytest.raises(ValueError, match="`count_weights` is not used"):
        layers.CategoryEncoding(num_tokens=4, output_mode="one_hot")(x, count_weights=w)


@pytest.mark.parametrize("mode", ["int", "one_hot", "multi_hot", "count"])
def test_discretization_with_boundaries_matches_keras(keras, mode):
    x = np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]])
    kwargs = {"bin_boundaries": [0.0, 1.0, 2.0], "output_mode": mode}
    got, want = layers.Discretization(**kwargs)(x), keras.layers.Discretization(**kwargs)(x)
    np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
    assert got.dtype == want.dtype


def _keras_adapt(layer, batches):
    """Keras's `Discretization.adapt` minus its tf.data check (TensorFlow is not installed)."""
    layer.reset_state()
    for batch in batches:
        layer.update_state(batch)
    layer.finalize_state()


@pytest.mark.parametrize("num_bins,epsilon", [(4, 0.01), (7, 0.05), (10, 0.001)])
def test_discretization_adapt_matches_keras_boundaries(keras, num_bins, epsilon):
    rng = np.random.default_rng(num_bins)
    x = rng.normal(size=(3000, 2)).astype("float32") * 3.0
    batches = [x[i:i + 256] for i in range(0, len(x), 256)]
    ref = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
    for data, kwargs, used in [(x, {}, [x]), (x, {"batch_size": 256}, batches),
                               (batches, {}, batches), ((b for b in batches), {"steps": 3},
                                                        batches[:3])]:
        layer = layers.Discretization(num_bins=num_bins, epsilon=epsilon)
        layer.adapt(data, **kwargs)
        _keras_adapt(ref, used)
        assert layer.bin_boundaries == ref.bin_boundaries
        np.testing.assert_array_equal(np.asarray(layer(x[:50])), np.asarray(ref(x[:50])))


def test_configs_round_trip_with_keras(keras):
    adapted = layers.Discretization(num_bins=3, name="disc")
    adapted.adapt(np.arange(30.0))
    pairs = [(layers.CategoryEncoding(num_tokens=5, output_mode="count", name="enc"),
              keras.layers.CategoryEncoding),
             (layers.Discretization(bin_boundaries=[0.5, 1.5], output_mode="one_hot",
                                    name="d2"), keras.layers.Discretization),
             (adapted, keras.layers.Discretization)]
    for layer, keras_cls in pairs:
        config = layer.get_config()
        assert keras_cls.from_config(config).get_config() == config
        assert type(layer).from_config(config).get_config() == config
    keras_enc = keras.layers.CategoryEncoding(num_tokens=5, output_mode="count", name="enc")
    assert pairs[0][0].get_config() == keras_enc.get_config()


def test_hashing_configs_equal_keras():
    """Configs recorded from Keras 3.15.1 (its Hashing needs TensorFlow to be constructed)."""
    int64 = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "int64"},
             "registered_name": None}
    hashing = layers.Hashing(num_bins=3, salt=5, mask_value="", name="hashing")
    assert hashing.get_config() == {
        "name": "hashing", "trainable": True, "dtype": int64, "num_bins": 3, "salt": [5, 5],
        "mask_value": "", "output_mode": "int", "sparse": False}
    assert layers.Hashing.from_config(hashing.get_config()).get_config() == hashing.get_config()
    crossing = layers.HashedCrossing(num_bins=3, name="hashed_crossing")
    assert crossing.get_config() == {"num_bins": 3, "output_mode": "int", "sparse": False,
                                     "name": "hashed_crossing", "dtype": "int64"}
    assert layers.HashedCrossing.from_config(crossing.get_config()).get_config() == \
        crossing.get_config()


def test_bad_arguments_raise_keras_errors():
    with pytest.raises(ValueError, match="num_tokens must be set"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="Received: num_bins=0"):
        layers.Hashing(num_bins=0)
    with pytest.raises(ValueError, match="Received: salt=1.5"):
        layers.Hashing(num_bins=3, salt=1.5)
    with pytest.raises(ValueError, match="Both `num_bins` and `bin_boundaries`"):
        layers.Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="call `adapt"):
        layers.Discretization(num_bins=2)(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="at least two inputs"):
        layers.HashedCrossing(num_bins=3)([np.array([1, 2])])
    with pytest.raises(ValueError, match="integer or string dtype"):
        layers.HashedCrossing(num_bins=3)((np.array([1.5]), np.array([2.5])))


def _binned_model(lib, x, adapt):
    disc = lib.layers.Discretization(num_bins=4, name="disc")
    adapt(disc, x)
    inputs = lib.Input((3,))
    bins = disc(inputs)
    encoded = lib.layers.CategoryEncoding(num_tokens=4, output_mode="count", name="enc")(bins)
    model = lib.Model(inputs, lib.layers.Dense(1, name="dense")(encoded))
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_binned_model_fits_saves_and_loads_like_keras(keras, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = _binned_model(lamina, x, lambda layer, data: layer.adapt(data))
    ref = _binned_model(keras, x, lambda layer, data: _keras_adapt(layer, [data]))
    ref.set_weights(model.get_weights())
    model.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    ref.fit(x, y, batch_size=16, epochs=1, shuffle=False, verbose=0)
    want = ref.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "lamina.keras")
    ref.save(tmp_path / "keras.keras")
    for loaded in (keras.saving.load_model(tmp_path / "lamina.keras"),
                   lamina.models.load_model(tmp_path / "keras.keras"),
                   lamina.models.load_model(tmp_path / "lamina.keras")):
        np.testing.assert_allclose(loaded.predict(x, verbose=0), want, rtol=1e-5, atol=1e-6)


# Recorded from Keras 3.15.1 + TensorFlow 2.21 by _regenerate(): "shape:values".
_KERAS: dict[str, str] = {
    "hashing/farm_strings": (
        "140:1699943623 1631730126 2045004961 890084272 1263333239 764239034 1160419803 816505333"
        " 1340563570 921302760 330044975 1414183413 129738263 620699388 745887315 2069831065 "
        "1285437584 931666383 1013721817 413394601 282776405 1490691600 519280858 57809676 "
        "1144490772 552752960 882810732 340147791 225784168 1410081990 51389074 1541869078 "
        "1668623902 1724213872 1003599592 1079226811 115618321 1972329622 598903985 987530471 "
        "1234872785 735788167 1749824251 2022611402 120163696 1381858530 565824219 2140280653 "
        "736412263 765178816 2086563603 44049790 442756397 58412312 1285994814 1777579053 "
        "1141935883 924984621 283677930 1832629524 157492854 1747423686 571258194 1611346554 "
        "686724168 1294660725 1900842739 1477163063 947026081 1447209237 300759365 2014515851 "
        "512766802 313957846 940847319 2096754035 1827571887 1507212097 1028227283 1306642687 "
        "191662658 1433688613 1911657866 1426059326 66023272 1939412201 470813269 1811039711 "
        "301501376 547295338 118183265 1105283726 765335374 518543368 1941998513 1483200012 "
        "1788349158 2062018023 1974718983 1427042070 536303634 1862508992 1526293163 191509098 "
        "727609750 877293586 1857768300 169827549 137751898 1586213747 739211980 1756923413 "
        "2032079266 815314663 1052574793 1761348256 1367522737 1031104139 172288688 1680286306 "
        "925699494 145098260 1159337486 1027760774 172049775 2069508076 2063416024 630265076 "
        "201161934 481570549 1699943623 1631730126 2045004961 890084272 1263333239 764239034 "
        "1160419803 816505333 1340563570 921302760"
    ),
    "hashing/farm_strings_mask": (
        "140:339 377 767 0 370 794 331 132 856 909 633 196 925 765 961 31 671 748 741 187 964 899"
        " 861 938 908 159 492 175 489 941 922 884 985 850 840 130 887 285 157 606 399 493 864 979"
        " 473 553 711 582 213 546 547 173 713 107 265 127 741 731 231 59 22 221 244 362 216 580 "
        "886 280 488 166 814 137 89 519 361 103 637 764 604 137 421 17 327 553 648 216 804 244 "
        "129 68 703 527 771 231 595 614 210 108 425 515 221 260 311 115 16 239 127 216 763 473 "
        "336 530 797 435 586 74 174 240 681 199 359 923 188 870 181 472 943 482 772 870 339 377 "
        "767 0 370 794 331 132 856 909"
    ),
    "hashing/sip_strings": (
        "140:309895246 822304914 1765277627 387394308 651937802 1044061728 1840843989 1434256021 "
        "1478883572 8948757 405453203 197396291 908795202 1363062057 439349794 1510953482 "
        "443593459 440979102 1658877417 1024042894 978380955 1723336140 445473956 706377038 "
        "10598488 2036588115 1885261817 1503326932 1772672900 144513921 925714754 1489430241 "
        "1935983519 309335058 1516016338 799089926 1001874378 84677442 837469909 1899125151 "
        "1168026006 399173894 3130425 1979482134 843767898 257825398 1841559050 1270434934 "
        "2029489808 736970515 1615026765 1321910733 429492551 1092921128 947612094 1579694476 "
        "232852376 1905914538 758343861 617652887 1548350194 285196318 1111695477 964269879 "
        "526106676 344007999 1744187720 1134096090 2086295443 514580839 1822393949 1712720867 "
        "1229654227 463925508 1200853625 1060066592 968385151 1276032326 1171540591 283998980 "
        "2136382060 1215754056 2071721952 133243799 745043467 621084497 734616686 2096189610 "
        "527496424 938130255 317467421 1111854700 1273875425 902135001 1018514695 1619232130 "
        "1782195273 1704138678 1709324890 1093498568 1728552945 276539233 1512321749 89590388 "
        "1405558158 150230099 2094101046 1382733646 1654953926 1802811516 969659738 798670136 "
        "1742094376 1509648567 1605439556 1531406113 1094698087 1398041519 550724494 1550632978 "
        "655378968 474100078 1619492324 1240724542 1191419791 1810484465 159162550 1323530944 "
        "1380532842 2051339731 309895246 822304914 1765277627 387394308 651937802 1044061728 "
        "1840843989 1434256021 1478883572 8948757"
    ),
    "hashing/sip_strings_mask": (
        "140:613 680 994 0 406 887 119 316 107 370 346 847 585 238 633 840 57 366 149 471 588 200"
        " 825 386 63 242 346 452 596 10 178 663 563 692 95 545 184 264 340 257 93 143 635 424 566"
        " 267 54 620 385 235 92 497 390 467 763 524 25 566 767 29 458 636 538 774 549 923 633 581"
        " 689 763 435 856 134 745 537 594 779 379 134 395 704 858 28 729 427 291 274 181 247 457 "
        "555 998 248 922 502 867 901 32 811 437 105 8 450 32 192 302 233 295 892 305 627 921 738 "
        "69 53 180 686 509 174 840 345 603 912 752 242 532 5 120 12 769 613 680 994 0 406 887 119"
        " 316 107 370"
    ),
    "hashing/farm_ints": (
        "142:1852204724 58924836 413215034 1409756016 168601802 1935886965 1531252042 717429259 "
        "1683818504 200157735 111674636 1922521018 682038029 1290818077 688596817 1154260082 "
        "451391812 112556158 637745972 362513579 980943009 1069875529 1499447333 385728253 "
        "550986913 19774530 312440886 826938980 1252364661 1520749854 1527761543 855403826 "
        "282891857 2050051948 1011205439 522773156 5001852 684564372 360679 1706175961 1296747654"
        " 1693964118 933220048 1094273164 818629028 572817989 1249970356 1968597216 623069352 "
        "1833158626 1633463888 342560855 1567726552 1660201633 1450814644 255656265 845352498 "
        "1080489176 58040401 1126629959 1761066310 1472887175 1832549722 274910116 1106485705 "
        "1301119055 639853343 1351576492 207337643 1250995894 881408709 276143613 734485909 "
        "1316256840 1950620479 486188218 1841483397 1330410018 847035091 2061671382 1873181076 "
        "1083546506 138886135 2000234982 657214202 1774824216 687167952 513020634 1945930948 "
        "1552182651 1985448074 882763054 1737694616 140370296 1529649802 28548709 1855415155 "
        "861190711 600125444 2085647042 1470669688 2099853219 2146427857 958846512 1712108192 "
        "1317898423 1086501680 1207470963 1840382408 2000160331 1164596956 1407326423 2053616167 "
        "1212963281 1314457469 872034673 1210589779 1543530993 925812926 355133840 2143245435 "
        "1962742583 971838155 2067395881 1036644717 763349615 941086200 635515958 1266015530 "
        "1674831054 1923768647 1159389199 1287798579 873272855 1888028384 1140694823 1630090849 "
        "427018612 33978733 139451504 1508909984 1331686642"
    ),
    "hashing/farm_ints_mask": (
        "142:194 219 700 456 242 920 183 54 718 708 136 926 666 53 215 361 365 84 239 352 20 522 "
        "452 254 813 970 104 883 730 299 225 16 449 762 749 404 63 643 542 559 864 524 408 30 448"
        " 829 296 256 389 139 0 766 635 202 894 2 714 332 833 720 660 722 125 594 655 831 895 967"
        " 104 136 939 334 381 256 91 990 504 424 999 882 594 437 839 843 555 347 63 225 713 162 "
        "113 910 949 964 758 681 442 749 699 89 133 443 256 810 688 292 526 645 916 769 116 795 "
        "656 993 172 471 99 855 296 577 426 109 765 199 246 449 785 133 416 873 400 810 660 129 "
        "250 460 349 428 100 187 509 225"
    ),
    "hashing/sip_ints": (
        "142:1694222846 164021742 2119989307 1743777959 1055568956 271654789 1729756384 762826736"
        " 1253891839 2012175106 329323405 440416810 552069583 1562989167 294490718 1777267002 "
        "426941114 1665756101 466420945 1708502354 993470189 226833016 283930830 1558256606 "
        "78580559 1699975163 101205544 1618101844 1088545469 837890726 715413346 2122648800 "
        "1983421332 1827039799 2069545042 492959443 1940431858 812119323 749163777 1926975355 "
        "819477571 23994535 1365714689 628441074 759295393 1118025694 220361621 141972068 "
        "1155610474 1284872770 503822087 1955157804 998233080 2075353015 947506135 760106529 "
        "1500003181 291160471 39693815 1419085564 1603151033 792508383 1377606380 1095560598 "
        "1964985301 1201731556 214505863 227777443 32981753 1951492823 1080315499 1789595297 "
        "2007710143 1957915134 1330058995 1772603793 208227168 1186781295 1168308227 1933413894 "
        "1127460340 1287387505 980237290 1766846322 1921840555 1756326748 1676918655 1821564364 "
        "1820062365 2066608385 1463864209 2142534558 1799491994 2072569909 101000186 1400674523 "
        "1637351961 1554813574 229397380 1637496271 1918888408 1689225690 1311690729 1383074114 "
        "283684796 400377305 344447356 1207408063 983186849 1517417438 1385808789 650875019 "
        "4815633 197487575 1756977244 2074528357 1958162914 1779268113 918058289 935822944 "
        "1217120863 1439393618 1022246280 1228967246 2084845292 915093755 988956644 607365915 "
        "1065088282 606938904 1387289695 1232832588 725940905 574990376 647976814 640731161 "
        "616205616 1495127076 439356609 1627925913 1605273528 1280661761"
    ),
    "hashing/farm_floats": (
        "120:1935886965 1531252042 717429259 1683818504 1683818504 200157735 111674636 1922521018"
        " 1922521018 682038029 1290818077 688596817 688596817 1154260082 451391812 112556158 "
        "112556158 637745972 362513579 980943009 980943009 1069875529 1499447333 385728253 "
        "385728253 550986913 19774530 312440886 312440886 826938980 1252364661 1520749854 "
        "1520749854 1527761543 855403826 282891857 282891857 2050051948 1011205439 522773156 "
        "522773156 5001852 684564372 360679 360679 1706175961 1296747654 1693964118 1693964118 "
        "933220048 1094273164 818629028 818629028 572817989 1249970356 1968597216 1968597216 "
        "623069352 1833158626 1633463888 1633463888 1633463888 342560855 1567726552 1660201633 "
        "1660201633 1450814644 255656265 845352498 845352498 1080489176 58040401 1126629959 "
        "1126629959 1761066310 1472887175 1832549722 1832549722 274910116 1106485705 1301119055 "
        "1301119055 639853343 1351576492 207337643 207337643 1250995894 881408709 276143613 "
        "276143613 734485909 1316256840 1950620479 1950620479 486188218 1841483397 1330410018 "
        "1330410018 847035091 2061671382 1873181076 1873181076 1083546506 138886135 2000234982 "
        "2000234982 657214202 1774824216 687167952 687167952 513020634 1945930948 1552182651 "
        "1552182651 1985448074 882763054 1737694616 1737694616 140370296 1529649802"
    ),
    "hashing/farm_wide_ints_mask": (
        "40:1483965214 1135158278 1521961999 37727254 183087717 812359987 1919861784 74301086 "
        "1282780239 467704477 653220495 628903072 1676562152 650433460 1420264408 2118106391 "
        "1504052581 1716239202 1598266062 771332332 0 1673054826 618261767 2105635198 819287781 "
        "893417116 1337110318 512044515 371009379 1249983174 932765740 1473354225 246744314 "
        "1351875618 1966800093 591558651 486753659 1617993380 632742316 3236574"
    ),
    "hashing/one_hot_strings": (
        "6 3 5:0 0 0 1 0 0 1 0 0 0 1 0 0 0 0 0 0 1 0 0 0 1 0 0 0 0 1 0 0 0 1 0 0 0 0 0 1 0 0 0 0 "
        "0 1 0 0 1 0 0 0 0 1 0 0 0 0 0 0 0 0 1 0 0 0 0 1 0 0 1 0 0 0 0 0 0 1 0 0 0 1 0 0 0 0 0 1 "
        "0 0 0 1 0"
    ),
    "hashing/one_hot_ints": (
        "6 3 5:0 0 0 0 1 0 0 0 1 0 0 0 0 1 0 0 0 1 0 0 0 0 1 0 0 0 0 0 1 0 0 0 1 0 0 1 0 0 0 0 0 "
        "0 0 0 1 0 0 1 0 0 1 0 0 0 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 0 1 1 0 0 0 0 1 0 0 0 0 "
        "0 0 0 0 1"
    ),
    "hashing/multi_hot_strings": (
        "6 5:1 1 0 1 0 0 1 1 0 0 1 1 1 0 0 1 0 0 0 1 0 0 1 0 1 0 0 0 1 1"
    ),
    "hashing/multi_hot_ints": (
        "6 5:0 0 0 1 1 0 0 1 1 0 1 0 1 0 1 1 0 1 1 0 0 0 0 1 1 1 0 0 0 1"
    ),
    "hashing/count_strings": (
        "6 5:1 1 0 1 0 0 2 1 0 0 1 1 1 0 0 2 0 0 0 1 0 0 1 0 2 0 0 0 2 1"
    ),
    "hashing/count_ints": (
        "6 5:0 0 0 2 1 0 0 2 1 0 1 0 1 0 1 1 0 1 1 0 0 0 0 2 1 2 0 0 0 1"
    ),
    "crossing/str_int": (
        "130:2034856364 1658929280 695230674 247231758 923595548 1250021883 1772016717 212955676 "
        "1345094602 531404076 1210343105 656458276 166341775 1569645159 1287700205 2124820062 "
        "249475850 914458142 1926731901 1069662732 2079350639 1088380319 1506214657 513352571 "
        "543012949 831807864 527615289 1304906165 1128892677 1019972060 309599511 1662560211 "
        "1407738388 1357292636 772735289 329716083 2060065113 1294070987 1308339426 796130085 "
        "1797679897 57267985 1949456089 652210430 885202062 654702350 514199005 679198564 "
        "278217689 1590542018 1723428562 1904723684 136369747 1011200782 322457505 140013056 "
        "149056729 1792066233 558256009 710052268 1258730352 1559411915 703717127 652628049 "
        "691217975 1978725659 2122836102 901488643 218540145 654948671 584900236 1004310870 "
        "1141339349 458971765 635482281 54508765 1182890330 1746248302 376855358 1321629971 "
        "182083199 2017992299 169098912 2055281625 1324339206 673521225 1623420653 239661891 "
        "317302458 2064517325 1367655166 1479262267 756216346 767650230 94628712 467314946 "
        "1191907313 916478112 619190413 512883857 1006546980 1003443252 157655923 1175129565 "
        "1233558819 385524297 935650570 1872757687 1530056988 1280175480 1582798249 385900568 "
        "1924459973 1070323088 1009372136 1968930174 410532156 67999109 789780963 1329172673 "
        "1877432450 1287263073 865155238 791909327 1437478609 1022843371 1986471961 2065532461 "
        "1080074193 2098621053"
    ),
    "crossing/int_int": (
        "130:2090305402 1243677629 1445049620 2064893073 1328214645 701782574 1609681753 "
        "1618199376 556932480 1079633571 1258992625 1982613787 728020742 1868021628 537158554 "
        "688342014 2094040056 539555602 895148426 87800473 681568259 1293490937 991641930 "
        "915723536 3139527 1188211043 1218238058 1069534356 1195840553 908582552 1019365184 "
        "994530394 569077767 1847525847 746571253 1725821203 1175261838 1746766211 388479276 "
        "1030319134 1380241997 1579195232 123210107 1262797267 1385808109 691212979 1507909485 "
        "1597876684 1838077873 62405477 1293784725 675603924 886297093 1709587978 255660070 "
        "1115704111 1985859098 762160781 1241198990 736355937 366689402 1622017635 1138872076 "
        "1637724939 373108678 1757372452 1080140019 310577902 1042924995 1013040861 1034763775 "
        "476256715 1588299532 353883323 1395581263 1534883316 584409079 950674480 972579603 "
        "119579758 1866433264 501332903 1268317609 794863356 1947970785 1592711102 215910324 "
        "988205294 1491600678 155936693 1928053128 2144144659 1503970511 1728833154 894045493 "
        "1806552180 370187331 1875083191 161622336 94313009 396454994 922934712 1103224729 "
        "1708713422 1194930536 1840325731 218398001 720738940 1262094261 1000139045 1750752739 "
        "2012376152 652154545 1527882484 1627863585 2115483945 843570799 759057360 1494510980 "
        "753364754 599574636 1798920154 1761769611 253001569 461150676 407212080 194454533 "
        "246919242 1580178958 1375459563"
    ),
    "crossing/int_str_int_column": (
        "130 1:667 626 890 40 355 887 720 740 348 251 617 671 48 720 276 487 193 737 951 297 237 "
        "60 964 492 357 391 137 223 933 241 664 849 766 426 229 934 855 569 124 98 401 596 480 "
        "756 638 927 368 491 944 386 220 240 895 374 755 895 294 742 279 12 504 838 261 693 297 "
        "928 858 328 707 657 487 982 695 652 45 483 383 935 797 30 441 584 412 727 389 780 705 "
        "308 923 393 823 35 521 612 189 877 605 652 44 182 379 532 509 606 462 926 94 462 691 205"
        " 765 345 518 888 42 282 740 525 613 762 553 601 215 61 757 378 538 793 705 985"
    ),
    "crossing/one_hot": (
        "130 5:0 0 1 0 0 0 0 0 0 1 0 0 1 0 0 0 1 0 0 0 0 0 0 1 0 0 0 1 0 0 0 0 0 1 0 1 0 0 0 0 0 "
        "0 1 0 0 1 0 0 0 0 0 0 0 0 1 0 0 0 1 0 1 0 0 0 0 0 1 0 0 0 0 1 0 0 0 1 0 0 0 0 0 0 1 0 0 "
        "0 0 0 0 1 0 1 0 0 0 0 1 0 0 0 0 0 0 0 1 0 0 0 1 0 0 0 0 0 1 1 0 0 0 0 0 0 0 1 0 0 0 1 0 "
        "0 0 0 0 0 1 0 0 0 0 1 0 1 0 0 0 0 0 0 0 1 0 0 0 0 1 1 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0 0 1 "
        "0 0 0 0 0 1 0 0 0 0 0 1 0 0 0 0 1 0 0 0 1 0 0 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 0 "
        "0 1 0 0 0 0 0 1 0 0 0 0 1 1 0 0 0 0 0 0 1 0 0 0 0 0 0 1 0 0 1 0 0 0 0 0 0 1 0 1 0 0 0 1 "
        "0 0 0 0 0 0 0 0 1 1 0 0 0 0 0 0 0 0 1 0 0 0 1 0 0 0 0 0 1 0 0 1 0 0 0 0 1 0 0 0 0 1 0 0 "
        "0 0 1 0 0 1 0 0 0 0 1 0 0 0 0 0 0 0 1 0 0 1 0 0 0 1 0 0 0 0 0 1 0 0 0 0 0 0 1 0 0 1 0 0 "
        "0 0 0 0 1 0 0 0 1 0 0 0 0 1 0 0 0 0 0 0 1 0 0 1 0 0 0 1 0 0 0 0 0 0 0 1 0 0 0 1 0 0 1 0 "
        "0 0 0 0 0 1 0 0 0 0 0 1 0 0 1 0 0 0 0 0 1 0 1 0 0 0 0 0 0 0 0 1 1 0 0 0 0 0 0 0 0 1 1 0 "
        "0 0 0 0 0 0 0 1 1 0 0 0 0 0 0 1 0 0 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1 0 1 0 0 0 0 1 0 0 0 0 "
        "1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 0 0 0 1 0 0 1 0 0 0 1 0 0 0 0 0 0 0 1 0 1 0 0 0 0 0 1 0 0 "
        "1 0 0 0 0 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1 1 0 0 0 0 0 1 0 0 0 0 0 0 1 0 0 0 0 1 "
        "0 0 0 0 0 1 0 1 0 0 0 1 0 0 0 0 1 0 0 0 0 0 0 0 1 0 0 0 0 0 1 1 0 0 0 0 0 0 0 1 0 0 0 1 "
        "0 0 0 0 0 1 0 0 0 0 0 1 0 0 0 1 0 0 0 0 1 0 0 0 1 0 0 1 0 0 0 0 0 0 0 0 1"
    ),
}


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "jax")
    _regenerate()
    sys.exit(0)
